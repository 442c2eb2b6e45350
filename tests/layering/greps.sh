#!/usr/bin/env bash
# The layering rules a compiler can't see (docs/architecture.md), checked on the source tree:
# services take a keel::Principal and no HTTP types, and users never reaches into auth.
# Usage: greps.sh <source root>
set -uo pipefail
cd "$1"
failed=0
check() {  # check <what is wrong> <grep output>
  if [ -n "$2" ]; then
    echo "FAIL: $1:"
    echo "$2"
    failed=1
  fi
}
check "users includes auth (auth builds on users, never the other way)" "$(grep -rn '#include "auth/' src/users)"
check "a service includes http (services take a Principal, not the transport)" \
      "$(grep -rn '#include "http/' src/*/*_service.* 2>/dev/null)"
check "a service includes Beast or Asio" "$(grep -rnE '#include <boost/(beast|asio)' src/*/*_service.* 2>/dev/null)"
[ "$failed" -eq 0 ] && echo "layering greps: clean"
exit "$failed"
