#!/usr/bin/env bash
# Runs a command with a throwaway Redis server, then stops the server and deletes it.
# Usage: scripts/with-redis.sh <command> [args...]
#
# The command sees:
#   KEEL_TEST_REDIS_URL   redis://127.0.0.1:<port>/0
#   KEEL_TEST_REDIS_CTL   a script taking stop | start | pause | resume | status, for outage tests (stop
#                         waits until the server is gone, start until it answers PING again, on the same
#                         port; pause freezes the process (SIGSTOP): connections stay open, nothing answers)
# The server (Debian's redis-server, installed if missing) listens on 127.0.0.1 only, on a free port in
# 20000-45000, with no persistence (no RDB, no AOF), and keeps its log and pid file in one temp dir. It
# never uses or touches a system server (6379). Exits with the command's exit code; the server is
# stopped and the temp dir removed on any exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/services.sh
. "$(dirname "$0")/lib/services.sh"

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

# 1. redis-server and redis-cli (Debian 12 packages), installed like every other dependency.
"$(dirname "$0")/deps.sh" redis
for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "keel: $tool missing after installing redis-server" >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/keel-redis.XXXXXXXX")"
ctl="$tmp/redisctl.sh"

# 5. Always: stop the server (if it got as far as starting), remove the temp dir.
# shellcheck disable=SC2317  # invoked on exit (on_exit)
cleanup() {
  [ -x "$ctl" ] && "$ctl" stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
on_exit cleanup

# 2. The control script: the server in the foreground of a process of its own (no daemonize), so its
# pid is known and nothing is left behind.
write_ctl() {
  cat >"$ctl" <<EOF
#!/usr/bin/env bash
set -u
pidfile='$tmp/redis.pid'
running() { [ -f "\$pidfile" ] && kill -0 "\$(cat "\$pidfile")" 2>/dev/null; }
case "\${1:-}" in
  start)
    running && exit 0
    (setsid redis-server --bind 127.0.0.1 --port $1 --protected-mode yes --save '' --appendonly no \\
       --dir '$tmp' --logfile '$tmp/redis.log' --daemonize no </dev/null >/dev/null 2>&1 & echo \$! >"\$pidfile")
    for _ in \$(seq 100); do
      redis-cli -h 127.0.0.1 -p $1 ping 2>/dev/null | grep -q PONG && exit 0
      running || { echo 'keel: redis-server exited while starting' >&2; exit 1; }
      sleep 0.05
    done
    echo 'keel: redis-server did not answer within 5 s' >&2; exit 1 ;;
  stop)
    running || exit 0
    pid=\$(cat "\$pidfile")
    kill -CONT "\$pid" 2>/dev/null
    kill -KILL "\$pid" 2>/dev/null
    while kill -0 "\$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "\$pidfile" ;;
  pause)  running && kill -STOP "\$(cat "\$pidfile")" ;;
  resume) running && kill -CONT "\$(cat "\$pidfile")" ;;
  status) running && redis-cli -h 127.0.0.1 -p $1 ping ;;
  *) echo "usage: \$0 stop | start | pause | resume | status" >&2; exit 2 ;;
esac
EOF
  chmod 755 "$ctl"
}

# 3. Start it on a free port.
start_on_free_port write_ctl "$ctl" "Redis test server" "$tmp/redis.log"

# 4. The command; cleanup (the EXIT trap) passes its exit code on.
export KEEL_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
export KEEL_TEST_REDIS_CTL="$ctl"
echo "keel: Redis test server on 127.0.0.1:$port ($tmp)" >&2
"$@"
