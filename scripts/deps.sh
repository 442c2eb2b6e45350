#!/usr/bin/env bash
# Installs the Debian 12 packages keel needs, and only those that are missing; then, except for
# postgres, the npm packages of web/ (`npm ci`: the /docs page assets, embedded in the binary at
# build time, and the tools of tests/web/), unless web/node_modules already matches the lock.
# Idempotent: a second run with everything present does nothing and touches no network.
# Usage: scripts/deps.sh [build|test|bench|postgres|rabbitmq|redis|smtp]   (build is the default; test and
# bench add their tools; postgres is only the PostgreSQL 15 server for tests, rabbitmq only the RabbitMQ
# broker, redis only the Redis server, smtp only the SMTP server the mail tests talk to)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

want=(
  build-essential cmake ninja-build ccache lld pkg-config libcrypt-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libjwt-dev libssl-dev libspdlog-dev libfmt-dev libmimalloc-dev libyaml-cpp-dev libre2-dev
  librabbitmq-dev libhiredis-dev libcurl4-openssl-dev
)
# Node.js and npm fetch web/'s packages. A Node.js from elsewhere (e.g. NodeSource's, which bundles npm
# and conflicts with Debian's npm package) is used as it is.
command -v node >/dev/null || want+=(nodejs)
command -v npm >/dev/null || want+=(npm)
case "${1:-build}" in
  build) ;;
  postgres) want=(postgresql-15 postgresql-client-15) ;;  # the throwaway test server (with-postgres.sh)
  rabbitmq) want=(rabbitmq-server) ;;  # the throwaway test broker (with-rabbitmq.sh), Erlang's epmd with it
  redis) want=(redis-server) ;;  # the throwaway test server (with-redis.sh), redis-cli with it
  smtp) want=(python3-aiosmtpd) ;;  # the throwaway SMTP server (with-smtp.sh)
  test)  want+=(libgtest-dev libgmock-dev libbenchmark-dev curl iproute2 chromium) ;;  # chromium: tests/web
  bench) want+=(libgtest-dev libgmock-dev libbenchmark-dev curl iproute2 chromium wrk nginx-light sqlite3) ;;
  *) echo "usage: $0 [build|test|bench|postgres|rabbitmq|redis|smtp]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
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
fi

case "${1:-build}" in postgres|rabbitmq|redis|smtp) exit 0 ;; esac
# web/: one `npm ci` (dependencies and devDependencies alike), redone only when the lock changes. The
# stamp is written last, so an interrupted install is redone.
web="$root/web"
stamp="$web/node_modules/.keel-lock.sha256"
lock_sum=$(cd "$web" && sha256sum package.json package-lock.json)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "keel: installing web/'s npm packages (npm ci)"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  printf '%s\n' "$lock_sum" >"$stamp"
  echo "keel: npm packages installed"
fi
