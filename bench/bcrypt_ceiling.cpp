// Prints how many bcrypt hashes one core computes per second at a cost (the raw library,
// crypt_rn, with no keel code around it): the ceiling `make bench` compares logins against.
// Usage: keel_bcrypt_ceiling [cost] [seconds]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/password_hasher.hpp"

int main(int argc, char** argv) {
  const int cost = argc > 1 ? std::atoi(argv[1]) : 12;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
  const std::string hash = keel::bcrypt_hash("correct horse battery", cost);
  const auto start = std::chrono::steady_clock::now();
  int n = 0;
  double elapsed = 0;
  while (elapsed < seconds) {
    if (!keel::bcrypt_verify("correct horse battery", hash)) return 1;
    ++n;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("%.3f\n", n / elapsed);
  return 0;
}
