#pragma once

#include <string>

#include "core/async.hpp"
#include "core/error.hpp"

namespace keel {

class BlockingPool;

/// bcrypt (`$2b$`, libxcrypt) on a bounded CPU pool: hashing never runs on an I/O thread,
/// and past the pool's queue a request gets 503 instead of waiting without bound.
class PasswordHasher {
 public:
  /// `cost` is bcrypt's log2 work factor (API.md: 10–15; 4 allowed in tests).
  PasswordHasher(BlockingPool& cpu, int cost);

  /// A new `$2b$` hash with a fresh salt. Throws Error::unavailable when the pool is full.
  Task<std::string> hash(std::string password);
  /// True when `password` matches `hash`. With an empty hash it still spends one bcrypt
  /// verification (against a fixed dummy), so timing does not reveal unknown accounts.
  Task<bool> verify(std::string password, std::string hash);

 private:
  BlockingPool& cpu_;
  int cost_;
  std::string dummy_hash_;
};

/// Records in `details["password"]` why a new password is refused: it must be 8–72 bytes
/// without U+0000 (bcrypt reads a C string of at most 72 bytes: a longer password or one with a
/// NUL is refused, never silently truncated).
void check_password(const std::string& password, ErrorDetails& details);

/// The blocking primitives, for the pool and for tests: throw std::runtime_error on failure.
/// bcrypt_hash throws std::invalid_argument for a password check_password refuses (NUL, over
/// 72 bytes); bcrypt_verify answers false for one.
std::string bcrypt_hash(const std::string& password, int cost);
bool bcrypt_verify(const std::string& password, const std::string& hash);
/// A well-formed `$2b$` hash of `cost` that no password matches. Verifying against it costs one
/// full bcrypt run (crypt reads only the cost and salt from it), yet making it costs nothing, so
/// keel does not spend a bcrypt run (~250 ms at cost 12) at start before it listens.
std::string unmatchable_bcrypt_hash(int cost);

}  // namespace keel
