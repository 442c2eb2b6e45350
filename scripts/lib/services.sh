# shellcheck shell=bash
# What scripts/with-*.sh share: free ports, and the traps that stop a throwaway server and remove
# its temp dir on any exit. Sourced by them, never run.

# True when something listens on 127.0.0.1:<port> (TCP).
port_in_use() {
  if command -v ss >/dev/null; then
    [ -n "$(ss -Hltn "sport = :$1")" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# Sets the variable named <var> to a random free port in <low> .. <low>+<span>-1 that this shell
# has not picked before (a server needing several ports gets different ones); fails after 100
# tries. (Not `$(pick_port ...)`: a subshell would forget what it picked.)
pick_port() {
  local -n _keel_port=$1
  local low=$2 span=$3 p tries=0
  while :; do
    p=$(( low + (RANDOM * 32768 + RANDOM) % span ))
    if ! port_in_use "$p" && [[ " ${_keel_picked_ports:-} " != *" $p "* ]]; then
      _keel_picked_ports="${_keel_picked_ports:-} $p"
      _keel_port=$p
      return 0
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { echo "keel: found no free TCP port in $low-$((low + span - 1))" >&2; return 1; }
  done
}

# Starts a server on a free port: up to 5 times, picks a port into the variable `port`, calls the
# function named <write_ctl> with it (it writes the control script) and runs `<ctl> start`; a port
# taken between the check and the bind gets another try. On failure prints <what> and the tail of
# <log>, and exits.
start_on_free_port() {
  local write_ctl=$1 ctl=$2 what=$3 log=$4 _attempt
  port=""
  for _attempt in 1 2 3 4 5; do
    pick_port port 20000 25001 || exit 1
    "$write_ctl" "$port"
    "$ctl" start && return 0
  done
  echo "keel: $what failed to start; its log ($log):" >&2
  tail -n 30 "$log" >&2 2>/dev/null || true
  exit 1
}

# Runs the function named <cleanup> once on any exit of the script, keeping the script's exit code;
# INT, TERM and HUP exit (130, 143, 129) through it too. <cleanup> must not fail the exit: its
# errors are ignored.
on_exit() {
  _keel_cleanup=$1
  trap _keel_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
_keel_exit() {
  local rc=$?
  trap - EXIT INT TERM HUP
  "$_keel_cleanup" || true
  exit "$rc"
}
