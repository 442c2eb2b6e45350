#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 server, then stops the server and deletes it.
# Usage: scripts/with-postgres.sh <command> [args...]
#
# The command sees:
#   KEEL_TEST_POSTGRES_URL        postgresql://keel@127.0.0.1:<port>/keel   (trust auth, no password)
#   KEEL_TEST_POSTGRES_ADMIN_URL  postgresql://keel@127.0.0.1:<port>/postgres
#   KEEL_TEST_POSTGRES_DATA       the cluster's data directory
#   KEEL_TEST_POSTGRES_CTL        a script taking stop [fast|immediate|smart] | start | restart | status,
#                                 for outage tests (stop waits until the server is down, start until it is up)
# The server listens on 127.0.0.1 only, on a free port in 20000-60000, and keeps everything in one
# temp dir (socket and postgres.log included). It never uses or touches a system cluster (5432).
# Exits with the command's exit code; the server is stopped and the temp dir removed on any exit.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/services.sh
. "$(dirname "$0")/lib/services.sh"

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

pgbin=/usr/lib/postgresql/15/bin

# 1. PostgreSQL 15 server binaries (Debian 12 packages), installed like every other dependency.
"$(dirname "$0")/deps.sh" postgres
[ -x "$pgbin/initdb" ] || { echo "keel: $pgbin/initdb missing after installing postgresql-15" >&2; exit 1; }

# 2. Who runs the server, and where it lives.
if [ "$(id -u)" -eq 0 ]; then
  pguser=postgres
  id -u "$pguser" >/dev/null 2>&1 || {
    echo "keel: running as root and there is no '$pguser' user to run PostgreSQL as" >&2
    exit 1
  }
  as_pg_prefix=(runuser -u "$pguser" --)   # util-linux, on every Debian
else
  pguser="$(id -un)"
  as_pg_prefix=()
fi

# The socket path (<tmp>/.s.PGSQL.<port>) must fit in 107 bytes, and as root the server's user must
# be able to reach the dir: fall back to /tmp when $TMPDIR fails either.
base="${TMPDIR:-/tmp}"
if [ ! -d "$base" ] || [ ${#base} -gt 70 ] ||
   { [ ${#as_pg_prefix[@]} -gt 0 ] && ! "${as_pg_prefix[@]}" test -x "$base" 2>/dev/null; }; then
  base=/tmp
fi
tmp="$(mktemp -d "${base%/}/keel-pg.XXXXXXXX")"
data="$tmp/data"
log="$tmp/postgres.log"
ctl="$tmp/pgctl.sh"

# Runs a command as the server's user, from a dir that user can enter.
as_pg() { (cd "$tmp" && "${as_pg_prefix[@]}" "$@"); }

# 8. Always: stop the server (if it got as far as starting) and remove the temp dir.
# shellcheck disable=SC2317  # invoked on exit (on_exit)
cleanup() {
  if [ -f "$data/postmaster.pid" ]; then
    if ! as_pg "$pgbin/pg_ctl" -D "$data" -s -m immediate -w -t 20 stop >/dev/null 2>&1; then
      # Not stopped (or it was already down and left a stale pid file): make sure it is gone.
      local pid
      pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
      if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
      fi
    fi
  fi
  rm -rf "$tmp"
}
on_exit cleanup

if [ ${#as_pg_prefix[@]} -gt 0 ]; then
  chown "$pguser:" "$tmp"
fi

# 3. A fresh cluster.
if ! as_pg "$pgbin/initdb" -D "$data" -A trust -U keel --no-sync -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1; then
  echo "keel: initdb failed:" >&2
  tail -n 30 "$tmp/initdb.log" >&2
  exit 1
fi

# Our settings live in keel.conf, included last by postgresql.conf, rewritten per start attempt.
echo "include = 'keel.conf'" | as_pg tee -a "$data/postgresql.conf" >/dev/null
sockdir="${tmp//\'/\'\'}"
write_conf() {
  as_pg tee "$data/keel.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = '$sockdir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
EOF
}

# pg_ctl's wrapper for the command (and the tests): stop|start|restart|status as the server's user.
as_pg tee "$ctl" >/dev/null <<EOF
#!/bin/sh
# Controls the keel test PostgreSQL server in $data (written by scripts/with-postgres.sh).
# Usage: $ctl stop [fast|immediate|smart] | start | restart | status
set -eu
pg() {
  if [ "\$(id -un)" = '$pguser' ]; then
    (cd '$tmp' && '$pgbin/pg_ctl' -D '$data' -s "\$@")
  else
    (cd '$tmp' && runuser -u '$pguser' -- '$pgbin/pg_ctl' -D '$data' -s "\$@")
  fi
}
case "\${1:-}" in
  stop)    pg stop -m "\${2:-fast}" -w -t 30 ;;
  start)   pg start -w -t 30 -l '$log' ;;
  restart) pg stop -m fast -w -t 30 && pg start -w -t 30 -l '$log' ;;
  status)  pg status ;;
  *) echo "usage: \$0 stop [fast|immediate|smart] | start | restart | status" >&2; exit 2 ;;
esac
EOF
chmod 755 "$ctl"

# 4. Start it; a port taken between the check and the bind gets another try on a new port.
started=""
port=""
for _attempt in 1 2 3 4 5; do
  pick_port port 20000 40001
  write_conf "$port"
  logsize="$(stat -c %s "$log" 2>/dev/null || echo 0)"
  if as_pg "$pgbin/pg_ctl" -D "$data" -l "$log" -s -w -t 30 start >>"$tmp/pg_ctl.log" 2>&1; then
    started=1
    break
  fi
  # Anything other than a lost race for the port is final.
  tail -c "+$((logsize + 1))" "$log" 2>/dev/null |
    grep -q 'could not bind\|Address already in use\|could not create any TCP/IP sockets' || break
  as_pg "$pgbin/pg_ctl" -D "$data" -s -m immediate -w stop >/dev/null 2>&1 || true
done
if [ -z "$started" ]; then
  {
    echo "keel: PostgreSQL test server failed to start ($data); last lines of postgres.log:"
    tail -n 30 "$log" 2>/dev/null || true
    cat "$tmp/pg_ctl.log" 2>/dev/null || true
    echo "keel: PostgreSQL test server failed to start"
  } >&2
  exit 1
fi

# 5. The test database.
if ! as_pg "$pgbin/createdb" -h "$tmp" -p "$port" -U keel -O keel keel >"$tmp/createdb.log" 2>&1; then
  echo "keel: createdb keel failed:" >&2
  cat "$tmp/createdb.log" >&2
  exit 1
fi

# 6., 9.
export KEEL_TEST_POSTGRES_URL="postgresql://keel@127.0.0.1:$port/keel"
export KEEL_TEST_POSTGRES_ADMIN_URL="postgresql://keel@127.0.0.1:$port/postgres"
export KEEL_TEST_POSTGRES_DATA="$data"
export KEEL_TEST_POSTGRES_CTL="$ctl"
echo "keel: PostgreSQL 15 test server on 127.0.0.1:$port ($tmp)" >&2

# 7. The command; cleanup (the EXIT trap) passes its exit code on.
rc=0
"$@" || rc=$?
exit "$rc"
