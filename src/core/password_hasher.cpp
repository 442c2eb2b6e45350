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

namespace {

// What bcrypt can hash whole: crypt reads a C string of at most 72 bytes, so a NUL would end
// the password early and a 73rd byte would be dropped. Anything else is never hashed.
bool bcrypt_takes_whole(const std::string& password) {
  return password.size() <= 72 && password.find('\0') == std::string::npos;
}

}  // namespace

void check_password(const std::string& password, ErrorDetails& details) {
  if (password.size() < 8) details["password"] = "must be at least 8 bytes";
  if (password.size() > 72) details["password"] = "must be at most 72 bytes";
  if (password.find('\0') != std::string::npos) details["password"] = "must not contain U+0000";
}

std::string bcrypt_hash(const std::string& password, int cost) {
  // check_password refused such a password at the edge; hashing a truncated one would store a
  // weaker secret than the user chose.
  if (!bcrypt_takes_whole(password)) throw std::invalid_argument("password bcrypt can't hash whole");
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
  if (!bcrypt_takes_whole(password)) return false;  // its truncation could match; it never does
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
  // A password bcrypt can't take whole (a NUL, over 72 bytes) matches nothing, yet still costs
  // one bcrypt run against the dummy, like an unknown account: the answer's timing says nothing.
  const bool usable = bcrypt_takes_whole(password);
  const bool known = !hash.empty() && usable;
  const std::string& against = known ? hash : dummy_hash_;
  if (!usable) password.clear();
  const bool ok = co_await cpu_.run([&] { return bcrypt_verify(password, against); });
  co_return known && ok;
}

}  // namespace keel
