// Must not compile: core is the bottom layer and may not include http (tests/layering/check.cmake).
#include "http/router.hpp"
