#!/usr/bin/env bash
# Installs the Debian 12 packages keel needs, and only those that are missing.
# Idempotent: a second run with everything present does nothing and touches no network.
# Usage: scripts/deps.sh [build|test|bench|postgres]   (build is the default; test and bench add their
# tools; postgres is only the PostgreSQL 15 server for tests)
set -euo pipefail

want=(
  build-essential cmake ninja-build ccache lld pkg-config libcrypt-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libjwt-dev libssl-dev libspdlog-dev libfmt-dev libmimalloc-dev libyaml-cpp-dev libre2-dev
)
case "${1:-build}" in
  build) ;;
  postgres) want=(postgresql-15 postgresql-client-15) ;;  # the throwaway test server (with-postgres.sh)
  test)  want+=(libgtest-dev libgmock-dev libbenchmark-dev curl iproute2) ;;
  bench) want+=(libgtest-dev libgmock-dev libbenchmark-dev curl iproute2 wrk nginx-light sqlite3) ;;
  *) echo "usage: $0 [build|test|bench|postgres]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "keel: installing missing packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "keel: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "keel: packages installed"
