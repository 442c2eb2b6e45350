#!/usr/bin/env bash
# keel killed with SIGKILL in the middle of a stream of creates. After a restart on the same
# database, every create that was answered 201 is there with exactly the values sent, and every
# stored record is whole: one of the creates that were sent, with all its values. A real
# process, real signals, real HTTP (curl).
# With the events relay (API.md §9): every acknowledged create's event reaches RabbitMQ once the
# relay resumes after the restart. keel runs with AMQP_URL; a durable queue of the test's own,
# bound to keel.events before the first start, collects what it publishes. Partway through the
# stream the broker is stopped (writes go on, the relay falls behind), keel is killed while it is
# away, the broker comes back and keel restarts: what was published before the kill and the
# backlog after the restart must hold a tasks.created for every create answered 201 (duplicates
# are allowed, at least once, and counted). So the relay must keep its place only after the
# broker's confirms, and resume right after it.
# Usage: crash_test.sh <path-to-keel> <resources.yaml> [sqlite|postgres] [keel_test_amqp_queue]
# On postgres it needs KEEL_TEST_POSTGRES_URL (make test sets it) and works in a schema of its
# own; without the variable it exits 77 (skipped). Given the queue tool (ctest gives it) it needs
# the broker of scripts/with-rabbitmq.sh (KEEL_TEST_AMQP_URL, KEEL_TEST_AMQP_CTL; make test sets
# them) and fails without it; without the tool the events are not checked.
set -uo pipefail
keel=$(realpath "$1")
resources=$(realpath "$2")
backend="${3:-sqlite}"
amqp_queue_tool="${4:+$(realpath "$4")}"
work=$(mktemp -d)
pid=""
schema=""
queue=""
broker_stopped=""
workers=()
# How many creates to see acknowledged before the kill, and the most time to wait for them. With
# the relay: that many with the broker up, then that many more with it stopped.
acked_before_kill=400
stream_seconds=8

psql_bin=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  for w in "${workers[@]}"; do kill "$w" 2>/dev/null; done
  if [ -n "$schema" ]; then
    "$psql_bin" "$KEEL_TEST_POSTGRES_URL" -qAt -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
  fi
  [ -n "$broker_stopped" ] && "$KEEL_TEST_AMQP_CTL" start
  [ -n "$queue" ] && "$amqp_queue_tool" delete "$queue"
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
pass=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $name"; failures=$((failures + 1)); fi
}
die() { echo "FAIL: $*"; exit 1; }

case "$backend" in
  sqlite) database_url="sqlite://$work/keel.db" ;;
  postgres)
    if [ -z "${KEEL_TEST_POSTGRES_URL:-}" ]; then
      echo "SKIP: set KEEL_TEST_POSTGRES_URL to run the crash test on PostgreSQL (make test sets it)"
      exit 77
    fi
    schema="crash_$$_$RANDOM"   # a name made here, never from outside
    "$psql_bin" "$KEEL_TEST_POSTGRES_URL" -qAt -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $schema" >/dev/null ||
      die "cannot create schema $schema on $KEEL_TEST_POSTGRES_URL"
    sep='?'
    [[ "$KEEL_TEST_POSTGRES_URL" == *\?* ]] && sep='&'
    database_url="${KEEL_TEST_POSTGRES_URL}${sep}options=-csearch_path%3D$schema"
    ;;
  *) die "unknown backend '$backend' (sqlite or postgres)" ;;
esac

# A fixed JWT secret, so the token of the first run is still good after the restart.
export APP_ENV=test JWT_SECRET="crash-test-secret-that-is-long-enough-0123456789" BCRYPT_COST=10 \
       DATABASE_URL="$database_url" RESOURCES_FILE="$resources" PORT=0 LOG_LEVEL=info
unset AMQP_URL

# The events relay: a durable queue of our own gets every event keel publishes, from before the
# first start, across the broker's stop and start.
if [ -n "$amqp_queue_tool" ]; then
  [ -n "${KEEL_TEST_AMQP_URL:-}" ] && [ -n "${KEEL_TEST_AMQP_CTL:-}" ] ||
    die "set KEEL_TEST_AMQP_URL and KEEL_TEST_AMQP_CTL to check the events (make test runs ctest under scripts/with-rabbitmq.sh)"
  queue="keel.crash-test.$backend.$$.$RANDOM"
  "$amqp_queue_tool" declare "$queue" || { queue=""; die "cannot declare the queue on $KEEL_TEST_AMQP_URL"; }
  export AMQP_URL="$KEEL_TEST_AMQP_URL"
fi

port=""
start_keel() {  # start_keel LOG: starts keel in the background, sets pid and port
  "$keel" > "$1" 2>&1 &
  pid=$!
  port=""
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on http://[^ ]*:[0-9]*' "$1" | grep -o '[0-9]*$' | tail -n 1)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || die "keel exited at start: $(cat "$1")"
    sleep 0.05
  done
  die "keel did not start listening within 10 s: $(cat "$1")"
}

field=""
json_field() {  # json_field NAME JSON: sets field to the string value of "NAME":"..." ("" if none)
  local re="\"$1\":\"([^\"]*)\""
  if [[ "$2" =~ $re ]]; then field=${BASH_REMATCH[1]}; else field=""; fi
}

start_keel "$work/keel-1.log"
base="http://127.0.0.1:$port"
reg=$(curl -s -X POST "$base/api/auth/register" -H 'Content-Type: application/json' \
        -d '{"email":"crash@example.com","password":"crash test password","name":"Crash"}')
json_field accessToken "$reg"
token=$field
user_id=$(sed -n 's/^{"user":{"id":"\([^"]*\)".*/\1/p' <<<"$reg")
[ -n "$token" ] && [ -n "$user_id" ] || die "register failed: $reg"
project=$(curl -s -X POST "$base/api/projects" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
            -d '{"name":"Crash course"}')
json_field id "$project"
project_id=$field
[ -n "$project_id" ] || die "project create failed: $project"

# What a task's JSON starts with, from its id and the values sent (the declaration's order).
prefix=""
expected_prefix() {  # expected_prefix ID TITLE NOTES STATUS PRIORITY DUE: sets prefix
  printf -v prefix '{"id":"%s","title":"%s","notes":"%s","status":"%s","priority":%s,"dueAt":"%s","project":"%s","ownerId":"%s",' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$project_id" "$user_id"
}

# One writer: creates tasks one after another until keel stops answering. Every attempt is
# written to sent.N before it goes out; every 201 to acked.N with the body keel answered.
statuses=(todo in_progress done)
worker() {
  local n=$1 i=0 title notes status priority due body res code
  while :; do
    i=$((i + 1))
    title="w$n-$i"
    notes="notes of $title: \\\"quoted\\\" and ünïcödé"   # JSON-escaped as sent and as answered
    status=${statuses[$((i % 3))]}
    priority=$((i % 5 + 1))
    printf -v due '2030-%02d-%02dT%02d:%02d:%02d.000Z' $((i % 12 + 1)) $((i % 28 + 1)) $((i % 24)) $((i % 60)) $((n * 7 % 60))
    printf '%s\t%s\t%s\t%s\t%s\n' "$title" "$notes" "$status" "$priority" "$due" >> "$work/sent.$n"
    printf -v body '{"title":"%s","notes":"%s","status":"%s","priority":%s,"dueAt":"%s","project":"%s"}' \
      "$title" "$notes" "$status" "$priority" "$due" "$project_id"
    res=$(curl -s -m 10 -w '\n%{http_code}' -X POST "$base/api/tasks" -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/json' --data-binary "$body") || break   # keel is gone
    code=${res##*$'\n'}
    if [ "$code" = 201 ]; then
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$title" "$notes" "$status" "$priority" "$due" "${res%$'\n'*}" >> "$work/acked.$n"
    else
      printf '%s %s\n' "$code" "${res%$'\n'*}" >> "$work/unexpected"
    fi
  done
}

for n in 1 2 3 4; do
  worker "$n" &
  workers+=($!)
done
acked=0
await_acked() {  # await_acked N: until N creates were acknowledged, or stream_seconds passed
  local deadline=$(( $(date +%s) + stream_seconds ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    acked=$(cat "$work"/acked.* 2>/dev/null | wc -l)
    [ "$acked" -ge "$1" ] && return 0
    sleep 0.05
  done
}
await_acked "$acked_before_kill"
if [ -n "$queue" ]; then
  # The broker goes away mid-stream; the creates acknowledged after that are the relay's backlog
  # when keel is killed.
  "$KEEL_TEST_AMQP_CTL" stop || die "cannot stop the test broker"
  broker_stopped=1
  acked_while_broker_down=$(cat "$work"/acked.* 2>/dev/null | wc -l)
  await_acked $((acked_while_broker_down + acked_before_kill))
  acked_while_broker_down=$(( $(cat "$work"/acked.* | wc -l) - acked_while_broker_down ))
fi
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=""
for w in "${workers[@]}"; do wait "$w"; done
workers=()

sent=$(cat "$work"/sent.* | wc -l)
acked=$(cat "$work"/acked.* 2>/dev/null | wc -l)
echo "crash ($backend): $sent creates sent, $acked acknowledged before SIGKILL"
check "creates were acknowledged before the kill" test "$acked" -gt 0
check "the kill cut the stream (each writer's last create got no answer)" test "$sent" -ge $((acked + 4))
check "every answer before the kill was 201" test ! -s "$work/unexpected"
if [ -n "$queue" ]; then
  echo "crash ($backend): $acked_while_broker_down of them while the broker was stopped"
  check "creates were acknowledged while the broker was stopped (a backlog at the kill)" test "$acked_while_broker_down" -gt 0
  "$KEEL_TEST_AMQP_CTL" start || die "cannot start the test broker again"
  broker_stopped=""
fi
[ -s "$work/unexpected" ] && head -n 5 "$work/unexpected"

cat "$work"/sent.* > "$work/sent"
cat "$work"/acked.* > "$work/acked"

# Each 201 answered the values sent.
bad=0
while IFS=$'\t' read -r title notes status priority due answer; do
  json_field id "$answer"
  expected_prefix "$field" "$title" "$notes" "$status" "$priority" "$due"
  [[ "$answer" == "$prefix"* ]] || { bad=$((bad + 1)); [ $bad -le 3 ] && echo "  201 for $title: $answer"; }
done < "$work/acked"
check "each 201 answered exactly the values sent" test $bad -eq 0

# Restart on the same database.
start_keel "$work/keel-2.log"
base="http://127.0.0.1:$port"

# Every acknowledged task reads back exactly as it was answered: GET /api/tasks/:id, all in one
# curl (one keep-alive connection), one body and one status line per task.
: > "$work/urls"
while IFS=$'\t' read -r _ _ _ _ _ answer; do
  json_field id "$answer"
  printf 'url = "%s/api/tasks/%s"\n' "$base" "$field" >> "$work/urls"
done < "$work/acked"
curl -s -K "$work/urls" -H "Authorization: Bearer $token" -w '\n%{http_code}\n' > "$work/reads"
missing=0
exec 3< "$work/reads"
while IFS=$'\t' read -r title _ _ _ _ answer; do
  IFS= read -r got <&3
  IFS= read -r code <&3
  if [ "$code" != 200 ] || [ "$got" != "$answer" ]; then
    missing=$((missing + 1))
    [ $missing -le 3 ] && echo "  $title after restart: $code $got (answered before: $answer)"
  fi
done < "$work/acked"
exec 3<&-
check "all $acked acknowledged tasks survived SIGKILL with exactly their values" test $missing -eq 0

# Every stored task is whole: listed page by page, each is one of the creates sent, with all
# the values sent; acknowledged or not, none is half-written.
: > "$work/listed"
page=1
while :; do
  list=$(curl -s "$base/api/tasks?limit=100&page=$page" -H "Authorization: Bearer $token")
  records=$(sed -e 's/^{"data":\[//' -e 's/\],"meta":.*$//' -e 's/},{"id"/}\n{"id"/g' <<<"$list")
  [ -z "$records" ] && break
  printf '%s\n' "$records" >> "$work/listed"
  page=$((page + 1))
  [ $page -le 100 ] || die "more than 100 pages of tasks"
done
listed=$(wc -l < "$work/listed")
total=$(sed -n 's/.*"meta":{[^}]*"total":\([0-9]*\).*/\1/p' <<<"$(curl -s "$base/api/tasks?limit=1" -H "Authorization: Bearer $token")")
check "the list total ($total) counts every listed task ($listed)" test "$total" = "$listed"
declare -A sent_by_title
while IFS=$'\t' read -r title rest; do sent_by_title[$title]=$rest; done < "$work/sent"
torn=0
while IFS= read -r record; do
  json_field title "$record"
  title=$field
  line=${sent_by_title[$title]:-}
  IFS=$'\t' read -r notes status priority due <<<"$line"
  json_field id "$record"
  expected_prefix "$field" "$title" "$notes" "$status" "$priority" "$due"
  if [ -z "$line" ] || [[ "$record" != "$prefix"* ]]; then
    torn=$((torn + 1))
    [ $torn -le 3 ] && echo "  stored task not as sent: $record"
  fi
done < "$work/listed"
check "every stored task is one that was sent, with all its values" test $torn -eq 0
check "at least the acknowledged tasks are stored ($listed >= $acked)" test "$listed" -ge "$acked"
check "at most the in-flight creates were stored unacknowledged ($listed <= $acked + 4)" test "$listed" -le $((acked + 4))

# The restarted keel takes writes as before.
after=$(curl -s -w '\n%{http_code}' -X POST "$base/api/tasks" -H "Authorization: Bearer $token" \
          -H 'Content-Type: application/json' -d "{\"title\":\"after\",\"project\":\"$project_id\"}")
check "creates work after the restart" test "${after##*$'\n'}" = 201

# Every acknowledged create's event was published: before the kill, or by the restarted relay
# from where it had got to (the create after the restart too). The queue holds every event since
# before the first start: auth.registered, projects.created, one tasks.created per stored task
# and the one after the restart, and duplicates (at least once).
if [ -n "$queue" ]; then
  json_field id "${after%$'\n'*}"
  after_id=$field
  expected=$((listed + 3))
  "$amqp_queue_tool" drain "$queue" "$expected" 60 > "$work/published" || die "cannot drain $queue"
  messages=$(wc -l < "$work/published")
  declare -A created_events
  while IFS=$'\t' read -r key _ record; do
    [ "$key" = tasks.created ] && created_events[$record]=$(( ${created_events[$record]:-0} + 1 ))
  done < "$work/published"
  unpublished=0
  once=0
  while IFS=$'\t' read -r title _ _ _ _ answer; do
    json_field id "$answer"
    n=${created_events[$field]:-0}
    [ "$n" -eq 1 ] && once=$((once + 1))
    if [ "$n" -eq 0 ]; then
      unpublished=$((unpublished + 1))
      [ $unpublished -le 3 ] && echo "  no tasks.created on $queue for $title ($field)"
    fi
  done < <(cat "$work/acked"; printf 'after\t-\t-\t-\t-\t{"id":"%s"}\n' "$after_id")
  duplicates=$(cut -f2 "$work/published" | sort | uniq -d | wc -l)
  echo "crash ($backend): $messages messages on $queue for $expected events ($duplicates events more than once);" \
       "$once of the $((acked + 1)) acknowledged creates published exactly once"
  check "every acknowledged create's event was published once the relay resumed ($unpublished missing)" test $unpublished -eq 0
  check "no event is missing from the queue ($messages messages, $expected events)" test "$messages" -ge "$expected"
fi

# The restarted keel was up all along (its background jobs ran: the retention job's first run is
# 10 s after the start) and stops cleanly.
kill -TERM "$pid"
wait "$pid"
stopped=$?
pid=""
check "the restarted keel stopped cleanly on SIGTERM (exit $stopped)" test "$stopped" -eq 0
echo "crash ($backend): $pass passed, $failures failed"
[ $failures -eq 0 ]
