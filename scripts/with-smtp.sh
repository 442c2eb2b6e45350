#!/usr/bin/env bash
# Runs a command with a throwaway SMTP server, then stops the server and deletes it.
# Usage: scripts/with-smtp.sh <command> [args...]
#
# The command sees:
#   KEEL_TEST_SMTP_URL   smtp://127.0.0.1:<port>
#   KEEL_TEST_SMTP_DIR   the Maildir every message it accepts lands in (new/: one file a message)
#   KEEL_TEST_SMTP_CTL   a script taking stop | start | status, for outage tests (stop waits until the
#                        server is gone, start until it answers again, on the same port)
# The server is Debian's aiosmtpd (python3-aiosmtpd, installed if missing) with its Mailbox handler,
# on 127.0.0.1 only, on a free port in 20000-45000, keeping its mail and log in one temp dir. Exits
# with the command's exit code; the server is stopped and the temp dir removed on any exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/services.sh
. "$(dirname "$0")/lib/services.sh"

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

# 1. aiosmtpd (a Debian 12 package, for Debian's own python3: not whatever python3 is first on PATH).
"$(dirname "$0")/deps.sh" smtp
python=/usr/bin/python3
"$python" -c 'import aiosmtpd' 2>/dev/null || { echo "keel: aiosmtpd missing after installing python3-aiosmtpd" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/keel-smtp.XXXXXXXX")"
ctl="$tmp/smtpctl.sh"
maildir="$tmp/maildir"

# 5. Always: stop the server (if it got as far as starting), remove the temp dir.
# shellcheck disable=SC2317  # invoked on exit (on_exit)
cleanup() {
  [ -x "$ctl" ] && "$ctl" stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
on_exit cleanup

# 2. The control script: the server in the foreground of a process of its own, so its pid is known.
write_ctl() {
  cat >"$ctl" <<EOF
#!/usr/bin/env bash
set -u
pidfile='$tmp/smtp.pid'
running() { [ -f "\$pidfile" ] && kill -0 "\$(cat "\$pidfile")" 2>/dev/null; }
answers() { (exec 3<>/dev/tcp/127.0.0.1/$1 && head -c 3 <&3 | grep -q 220) 2>/dev/null; }
case "\${1:-}" in
  start)
    running && exit 0
    (setsid $python -m aiosmtpd -n -l 127.0.0.1:$1 -c aiosmtpd.handlers.Mailbox '$maildir' \\
       </dev/null >>'$tmp/smtp.log' 2>&1 & echo \$! >"\$pidfile")
    for _ in \$(seq 100); do
      answers && exit 0
      running || { echo 'keel: aiosmtpd exited while starting' >&2; exit 1; }
      sleep 0.05
    done
    echo 'keel: aiosmtpd did not answer within 5 s' >&2; exit 1 ;;
  stop)
    running || exit 0
    pid=\$(cat "\$pidfile")
    kill -KILL "\$pid" 2>/dev/null
    while kill -0 "\$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "\$pidfile" ;;
  status) running && answers ;;
  *) echo "usage: \$0 stop | start | status" >&2; exit 2 ;;
esac
EOF
  chmod 755 "$ctl"
}

# 3. Start it on a free port.
mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
start_on_free_port write_ctl "$ctl" "SMTP test server" "$tmp/smtp.log"

# 4. The command; cleanup (the EXIT trap) passes its exit code on.
export KEEL_TEST_SMTP_URL="smtp://127.0.0.1:$port"
export KEEL_TEST_SMTP_DIR="$maildir"
export KEEL_TEST_SMTP_CTL="$ctl"
echo "keel: SMTP test server on 127.0.0.1:$port ($tmp)" >&2
"$@"
