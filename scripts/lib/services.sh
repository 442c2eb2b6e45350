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
