// Must not compile: auth builds on users, never the other way (tests/layering/check.cmake).
#include "auth/session_store.hpp"
