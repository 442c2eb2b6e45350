#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "core/error.hpp"

namespace keel::test {

/// The code of the keel::Error that `f` throws; a test failure (and kInternal) when it throws none.
inline ErrorCode error_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no keel::Error thrown";
  return ErrorCode::kInternal;
}

}  // namespace keel::test
