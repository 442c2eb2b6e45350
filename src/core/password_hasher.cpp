#include "core/password_hasher.hpp"

#include <crypt.h>
#include <sys/resource.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

#include "core/blocking_pool.hpp"

namespace keel {

namespace {

// bcrypt threads run at a lower priority than the I/O threads: a burst of logins then takes
// only the CPU left over, and other requests keep their latency. Set once per pool thread.
void lower_priority_once() {
  thread_local bool done = false;
  if (done) return;
  done = true;
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);  // best effort: no error path
}

}  // namespace

void check_password(const std::string& password, ErrorDetails& details) {
  if (password.size() < 8) details["password"] = "must be at least 8 bytes";
  if (password.size() > 72) details["password"] = "must be at most 72 bytes";
}

std::string bcrypt_hash(const std::string& password, int cost) {
  lower_priority_once();
  unsigned char entropy[16];
  if (RAND_bytes(entropy, sizeof entropy) != 1) throw std::runtime_error("RAND_bytes failed");
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), reinterpret_cast<const char*>(entropy),
                        sizeof entropy, setting, sizeof setting)) {
    throw std::runtime_error("crypt_gensalt_rn failed");
  }
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
  const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof *data);
  if (!out || out[0] == '*') throw std::runtime_error("crypt_rn failed");
  return out;
}

bool bcrypt_verify(const std::string& password, const std::string& hash) {
  lower_priority_once();
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof *data);
  if (!out || out[0] == '*') return false;
  const std::string computed(out);
  return computed.size() == hash.size() && CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

std::string unmatchable_bcrypt_hash(int cost) {
  static constexpr char kSalt[] = "keel-dummy-salt!";  // 16 bytes, as bcrypt's salt
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), kSalt, sizeof kSalt - 1, setting, sizeof setting)) {
    throw std::runtime_error("crypt_gensalt_rn failed");
  }
  std::string hash(setting);
  hash.append(31, '.');  // the 31 characters of the digest: no password's digest is all dots
  return hash;
}

PasswordHasher::PasswordHasher(BlockingPool& cpu, int cost)
    : cpu_(cpu), cost_(cost), dummy_hash_(unmatchable_bcrypt_hash(cost)) {}

Task<std::string> PasswordHasher::hash(std::string password) {
  const int cost = cost_;
  co_return co_await cpu_.run([&] { return bcrypt_hash(password, cost); });
}

Task<bool> PasswordHasher::verify(std::string password, std::string hash) {
  const bool known = !hash.empty();
  const std::string& against = known ? hash : dummy_hash_;
  const bool ok = co_await cpu_.run([&] { return bcrypt_verify(password, against); });
  co_return known && ok;
}

}  // namespace keel
