// Must compile: http builds on core. The control that shows the scratch targets build at all.
#include "core/error.hpp"
