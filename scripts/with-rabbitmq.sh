#!/usr/bin/env bash
# Runs a command with a throwaway RabbitMQ broker, then stops the broker and deletes it.
# Usage: scripts/with-rabbitmq.sh <command> [args...]
#
# The command sees:
#   KEEL_TEST_AMQP_URL   amqp://guest:guest@127.0.0.1:<port>/   (guest may log in over loopback)
#   KEEL_TEST_AMQP_CTL   a script taking stop | start | block | unblock | status, for outage tests (stop
#                        waits until the broker is down, start until it is up again: same node, same
#                        data; block raises a memory alarm, so the broker stops reading from
#                        publishers, and unblock clears it)
# The broker is a node of its own (keel-test-<random>@localhost) with its own epmd: AMQP, Erlang
# distribution and epmd each listen on 127.0.0.1 only, on free ports in 20000-45000, no plugins (so
# no management or prometheus listeners). Everything (data, logs, config, Erlang cookie) lives in one
# temp dir; it never uses or touches a system broker (5672) or the system's epmd (4369).
# Exits with the command's exit code; the broker and its epmd are stopped and the temp dir removed on
# any exit. The broker runs as the calling user, root included: RabbitMQ does not refuse root, and
# /usr/lib/rabbitmq/bin's scripts are called directly (the /usr/sbin wrappers would switch to the
# `rabbitmq` user and /var/lib/rabbitmq).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/services.sh
. "$(dirname "$0")/lib/services.sh"

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

rmqbin=/usr/lib/rabbitmq/bin

# 1. rabbitmq-server (Debian 12 package, with its Erlang), installed like every other dependency.
"$(dirname "$0")/deps.sh" rabbitmq
[ -x "$rmqbin/rabbitmq-server" ] || { echo "keel: $rmqbin/rabbitmq-server missing after installing rabbitmq-server" >&2; exit 1; }
epmd="$(command -v epmd || true)"
[ -n "$epmd" ] || { echo "keel: epmd (Erlang) missing after installing rabbitmq-server" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/keel-rmq.XXXXXXXX")"
ctl="$tmp/rmqctl.sh"

# 6. Always: stop the broker and our epmd (if they got as far as starting), remove the temp dir. The
# data is thrown away, so no clean shutdown: the broker's process group and epmd get SIGKILL.
# shellcheck disable=SC2317  # invoked on exit (on_exit)
cleanup() {
  local pid
  for f in "$tmp/server.pgid" "$tmp/epmd.pid"; do
    pid="$(cat "$f" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]]; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$tmp"
}
on_exit cleanup

# 2. Where it lives, and its settings.
mkdir -p "$tmp/home" "$tmp/mnesia" "$tmp/log"
node="keel-test-$RANDOM$RANDOM@localhost"
echo '[].' >"$tmp/enabled_plugins"
: >"$tmp/rabbitmq-env.conf"  # instead of /etc/rabbitmq/rabbitmq-env.conf

# The environment of every rabbitmq-server and rabbitmqctl call (the ctl script sources it too).
# HOME holds the Erlang cookie, created by the first node start, shared by the CLI calls.
write_env() {
  cat >"$tmp/env.sh" <<EOF
export HOME='$tmp/home'
export RABBITMQ_CONF_ENV_FILE='$tmp/rabbitmq-env.conf'
export RABBITMQ_NODENAME='$node'
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$1
export RABBITMQ_DIST_PORT=$2
export ERL_EPMD_PORT=$3
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE='$tmp/mnesia'
export RABBITMQ_LOG_BASE='$tmp/log'
export RABBITMQ_CONFIG_FILE='$tmp/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$tmp/advanced.config'
export RABBITMQ_ENABLED_PLUGINS_FILE='$tmp/enabled_plugins'
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none'
EOF
}

# A throwaway broker: no disk-space alarm on a nearly full test disk (it would block publishers).
cat >"$tmp/rabbitmq.conf" <<EOF
disk_free_limit.absolute = 1MB
log.console = false
log.file.level = info
EOF

# The ctl script for the command (and the tests). boot runs the node in a session of its own, its
# output in files (never the caller's pipes, which ctest waits on), and records the process group for
# the cleanup above. stop and start stop and start the broker (the rabbit application: AMQP listener,
# connections, queues) inside the running node, which takes a second or two where a whole new node
# takes several: for a client the broker is gone all the same (its connections are closed, the port
# refuses), and durable queues and persistent messages come back with it.
cat >"$ctl" <<EOF
#!/bin/sh
# Controls the keel test RabbitMQ broker in $tmp (written by scripts/with-rabbitmq.sh).
# Usage: $ctl stop | start | block | unblock | status   (boot: the first start, by with-rabbitmq.sh)
set -eu
. '$tmp/env.sh'
ctl() { '$rmqbin/rabbitmqctl' -q "\$@" >>'$tmp/ctl.log' 2>&1; }
case "\${1:-}" in
  boot)
    # Ready when the node logs it; given up when the node exits first or after 60 s. (Not
    # 'rabbitmqctl wait': the CLI is an Erlang VM of its own, a second or two of CPU while the
    # node boots on the same cores.)
    setsid '$rmqbin/rabbitmq-server' </dev/null >>'$tmp/server.out' 2>&1 &
    pgid=\$!
    echo \$pgid >'$tmp/server.pgid'
    i=0
    until grep -q 'Server startup complete' '$tmp/log/$node.log' 2>/dev/null; do
      kill -0 \$pgid 2>/dev/null || { echo 'keel: the node exited while starting' >>'$tmp/ctl.log'; exit 1; }
      i=\$((i + 1))
      [ \$i -le 600 ] || { echo 'keel: the node did not start within 60 s' >>'$tmp/ctl.log'; exit 1; }
      sleep 0.1
    done ;;
  stop)    ctl stop_app ;;
  start)   ctl start_app ;;  # returns once the broker is up again
  block)   ctl set_vm_memory_high_watermark 0 ;;
  unblock) ctl set_vm_memory_high_watermark 0.4 ;;
  status)  ctl status ;;
  *) echo "usage: \$0 stop | start | block | unblock | status" >&2; exit 2 ;;
esac
EOF
chmod 755 "$ctl"

# 3. Our own epmd, so the node never meets the system's (or another test run's).
started=""
amqp_port="" dist_port="" epmd_port=""
for _attempt in 1 2 3 4 5; do
  pick_port amqp_port 20000 25001
  pick_port dist_port 20000 25001
  pick_port epmd_port 20000 25001
  write_env "$amqp_port" "$dist_port" "$epmd_port"
  rm -f "$tmp/server.pgid" "$tmp/epmd.pid"

  # (In a subshell: not a job of this shell, which would report its SIGKILL at cleanup.)
  (setsid "$epmd" -port "$epmd_port" -address 127.0.0.1 </dev/null >>"$tmp/epmd.log" 2>&1 & echo $! >"$tmp/epmd.pid")

  # 4. Start it; a port taken between the check and the bind gets another try on new ports.
  logsize="$(stat -c %s "$tmp/ctl.log" 2>/dev/null || echo 0)"
  if "$ctl" boot; then
    started=1
    break
  fi
  for f in "$tmp/server.pgid" "$tmp/epmd.pid"; do
    pid="$(cat "$f" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; }
  done
  # Anything other than a lost race for a port is final. (Read into a variable first: in a pipeline,
  # pipefail would count grep -q's early exit, or a missing file, as no match.)
  output="$({ tail -c "+$((logsize + 1))" "$tmp/ctl.log"; cat "$tmp/log/"*.log "$tmp/server.out"; } 2>/dev/null || true)"
  grep -q 'eaddrinuse\|Address already in use' <<<"$output" || break
  rm -rf "$tmp/mnesia" "$tmp/log" "$tmp/server.out" && mkdir -p "$tmp/mnesia" "$tmp/log"
  kill -0 "$(cat "$tmp/server.pgid")" 2>/dev/null && sleep 0.2  # (SIGKILLed above: let it go)
done
if [ -z "$started" ]; then
  {
    echo "keel: RabbitMQ test broker failed to start ($tmp); last lines of its output and log:"
    tail -n 30 "$tmp/server.out" 2>/dev/null || true
    tail -n 30 "$tmp/log/"*.log 2>/dev/null || true
    tail -n 30 "$tmp/ctl.log" 2>/dev/null || true
    echo "keel: RabbitMQ test broker failed to start"
  } >&2
  exit 1
fi

# 5., 7.
export KEEL_TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:$amqp_port/"
export KEEL_TEST_AMQP_CTL="$ctl"
echo "keel: RabbitMQ test broker $node on 127.0.0.1:$amqp_port ($tmp)" >&2

# 6. The command; cleanup (the EXIT trap) passes its exit code on.
rc=0
"$@" || rc=$?
exit "$rc"
