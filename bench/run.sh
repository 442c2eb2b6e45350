#!/usr/bin/env bash
# keel load benchmark: GET /healthz on keel against a baseline nginx, both on one core.
# Called by `make bench` as: bench/run.sh <build-dir>      (e.g. build/release)
#
# Environment:
#   BENCH_DURATION   seconds per wrk run (default 5)
#   BENCH_REPEATS    wrk runs per target and connection count; the median is quoted (default 3)
#   BENCH_CONNS      connection counts, space separated (default "64 256")
#   BENCH_BASELINE_KEEL  optional: another keel binary (e.g. a build of an older commit); POST
#                    /api/tasks is then measured on it and on this build, alternating, each on a
#                    fresh seeded database, and quoted as a ratio (docs/benchmarks.md, the event log)
#
# What it does: starts nginx (own config, 1 worker, access_log off) and keel (THREADS=1,
# APP_ENV=production: JSON access log to a file, metrics, request id) on free loopback ports,
# runs wrk -t1 against both, interleaved, and prints medians and the keel/nginx ratio. Other
# endpoints are measured with `measure` (see "Endpoints" below) and quoted as a ratio to
# keel's own /healthz in the same run. The report also goes to <build-dir>/bench-report.txt.
# It runs under a throwaway RabbitMQ broker and Redis server (scripts/with-rabbitmq.sh and
# scripts/with-redis.sh, which install them): unless KEEL_TEST_AMQP_URL and KEEL_TEST_REDIS_URL
# are set already, it starts itself again under them.
set -euo pipefail

BUILD_DIR=${1:?usage: bench/run.sh <build-dir>}
if [ -z "${KEEL_TEST_AMQP_URL:-}" ]; then
  exec "$(dirname "$0")/../scripts/with-rabbitmq.sh" "$0" "$@"
fi
if [ -z "${KEEL_TEST_REDIS_URL:-}" ]; then
  exec "$(dirname "$0")/../scripts/with-redis.sh" "$0" "$@"
fi
DURATION=${BENCH_DURATION:-5}
REPEATS=${BENCH_REPEATS:-3}
read -r -a CONNS <<<"${BENCH_CONNS:-64 256}"
GOAL=0.80 # keel /healthz req/s must be at least this fraction of nginx's
NGINX=/usr/sbin/nginx

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$BUILD_DIR/keel" ] || die "$BUILD_DIR/keel not found; build it first (make bench does)"
for tool in wrk curl ss "$NGINX"; do
  command -v "$tool" >/dev/null || die "$tool is missing; run scripts/deps.sh bench"
done

# ---------------------------------------------------------------------------------------------
# Temp dir, processes, cleanup
# ---------------------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/keel-bench.XXXXXX")
NGINX_PID=""
KEEL_PID=""

stop_process() { # stop_process NAME PID SIGNAL TIMEOUT_S: signal, wait, SIGKILL if still alive
  local name=$1 pid=$2 sig=$3 timeout=$4 i rc=0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not exit within ${timeout}s of SIG$sig; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || rc=$?
  [ "$rc" -eq 0 ] || log "$name exited with status $rc"
}

EXTRA_PIDS=() # further keel instances (PostgreSQL runs)

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${EXTRA_PIDS[@]}"; do stop_process keel "$pid" TERM 15; done
  [ -z "$KEEL_PID" ] || stop_process keel "$KEEL_PID" TERM 15
  [ -z "$NGINX_PID" ] || stop_process nginx "$NGINX_PID" QUIT 5
  # (The relay section's queue: gone with a throwaway broker anyway, but not with one passed in.)
  [ -z "${AMQP_QUEUE:-}" ] || "$AMQP_QUEUE_TOOL" delete "$AMQP_QUEUE" || true
  if [ "$rc" -ne 0 ]; then
    [ ! -s "$TMP/keel.log" ] || { log "last lines of keel's log:"; tail -n 20 "$TMP/keel.log" >&2; }
    [ ! -s "$TMP/nginx-error.log" ] || { log "nginx error log:"; tail -n 20 "$TMP/nginx-error.log" >&2; }
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { # a TCP port no socket uses (random, checked against ss)
  local port
  for _ in $(seq 100); do
    # Below the kernel's ephemeral range (32768 up), so no outgoing connection takes it between
    # this check and the bind; and no socket of any state holds it now.
    port=$((20000 + RANDOM % 12000))
    if ! ss -Htan "sport = :$port" | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}

wait_http() { # wait_http NAME PID URL: up to 10 s for URL to answer 2xx while PID lives
  local name=$1 pid=$2 url=$3
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || die "$name exited during startup"
    curl -sf -o /dev/null "$url" && return 0
    sleep 0.1
  done
  die "$name did not answer $url within 10 s"
}

rss_mib() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

start_nginx() {
  NGINX_PORT=$(free_port)
  mkdir -p "$TMP/nginx"
  cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path       $TMP/nginx/proxy;
    fastcgi_temp_path     $TMP/nginx/fastcgi;
    uwsgi_temp_path       $TMP/nginx/uwsgi;
    scgi_temp_path        $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = /healthz {
            default_type "application/json; charset=utf-8";
            return 200 '{"status":"ok"}';
        }
    }
}
EOF
  # -e: the log nginx writes before it has read the config (else /var/log/nginx/error.log)
  "$NGINX" -e "$TMP/nginx-error.log" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  NGINX_URL="http://127.0.0.1:$NGINX_PORT"
  wait_http nginx "$NGINX_PID" "$NGINX_URL/healthz"
}

start_keel() {
  # A private copy, so that a rebuild in the build dir cannot swap the binary mid-run.
  cp "$BUILD_DIR/keel" "$TMP/keel"
  KEEL_PORT=$(free_port)
  APP_ENV=production JWT_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') THREADS=1 \
    PORT="$KEEL_PORT" HOST=127.0.0.1 DATABASE_URL="sqlite://$TMP/keel.db" LOG_LEVEL=info \
    "$TMP/keel" >>"$TMP/keel.log" 2>&1 &
  KEEL_PID=$!
  KEEL_URL="http://127.0.0.1:$KEEL_PORT"
  wait_http keel "$KEEL_PID" "$KEEL_URL/healthz"
  cp "$TMP/keel.log" "$TMP/keel-startup.log"
}

# start_extra_keel DATABASE_URL [VAR=value ...]: another keel instance (THREADS=1, production
# defaults, plus the given settings); sets EXTRA_URL to its URL. Its pid joins EXTRA_PIDS for the
# cleanup, so it must not run in a subshell (no $(...)): the pid would be lost and keel left running.
# EXTRA_BIN (default: the private copy of this build's keel) is the binary it starts.
start_extra_keel() {
  local port pid url=$1
  shift
  port=$(free_port)
  env APP_ENV=production JWT_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" THREADS=1 \
    PORT="$port" HOST=127.0.0.1 DATABASE_URL="$url" LOG_LEVEL=info "$@" \
    "${EXTRA_BIN:-$TMP/keel}" >>"$TMP/keel.log" 2>&1 &
  pid=$!
  EXTRA_PIDS+=("$pid")
  wait_http keel "$pid" "http://127.0.0.1:$port/healthz"
  EXTRA_URL="http://127.0.0.1:$port"
  EXTRA_PID=$pid
}

stop_extra_keel() { # stop_extra_keel PID: SIGTERM, and no longer one for the cleanup
  local pid=$1 kept=() p
  stop_process keel "$pid" TERM 15
  for p in "${EXTRA_PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  EXTRA_PIDS=("${kept[@]}")
}

# ---------------------------------------------------------------------------------------------
# wrk runs
# ---------------------------------------------------------------------------------------------
# run_wrk C URL [extra wrk args]: one run; prints "req/s p99_ms non2xx socket_errors".
# wrk's raw output is kept in $TMP/wrk.last for the error message.
run_wrk() {
  local conns=$1 url=$2
  shift 2
  wrk -t1 -c"$conns" -d"${DURATION}s" --latency "$@" "$url" >"$TMP/wrk.last" 2>&1 ||
    { cat "$TMP/wrk.last" >&2; die "wrk failed against $url"; }
  # The access log grows by ~100 MB per run at full speed; only its startup lines are kept.
  : >"$TMP/keel.log"
  awk '
    function ms(v) {  # wrk latency units: us ms s m
      if (v ~ /us$/) return v / 1000
      if (v ~ /ms$/) return v + 0
      if (v ~ /m$/)  return v * 60000
      if (v ~ /s$/)  return v * 1000
      return v
    }
    /^Requests\/sec:/            { rps = $2 }
    $1 == "99%"                  { p99 = ms($2) }
    /Non-2xx or 3xx responses:/  { non2xx = $NF }
    /Socket errors:/             { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
    END {
      if (rps == "") exit 1
      printf "%.0f %.3f %d %d\n", rps, p99, non2xx, errs
    }' "$TMP/wrk.last" || { cat "$TMP/wrk.last" >&2; die "could not parse wrk output for $url"; }
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sum() { printf '%s\n' "$@" | awk '{ s += $1 } END { print s + 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
thousands() { printf '%.0f' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
fmt_ms() { awk -v v="$1" 'BEGIN { printf (v < 10) ? "%.2fms" : "%.1fms", v }'; }

REPORT=()                   # report lines, printed at the end
declare -A KEEL_HEALTHZ_RPS # connections -> keel /healthz median req/s, the reference for `measure`
declare -A MEASURED_RPS     # "NAME c=C" -> median req/s of `measure`, for ratios between two of them

# Collects REPEATS runs into the arrays named by the caller: <prefix>_rps, _p99, _non2xx, _errs.
record() { # record PREFIX "rps p99 non2xx errs"
  local -n r_rps=${1}_rps r_p99=${1}_p99 r_n2=${1}_non2xx r_err=${1}_errs
  local rps p99 n2 err
  read -r rps p99 n2 err <<<"$2"
  r_rps+=("$rps") r_p99+=("$p99") r_n2+=("$n2") r_err+=("$err")
}

problems() { # problems NAME NON2XX SOCKET_ERRORS: a warning suffix for the report, empty if none
  local name=$1 n2=$2 errs=$3
  [ "$n2" -eq 0 ] && [ "$errs" -eq 0 ] && return 0
  printf '  !! %s: %s non-2xx/3xx responses, %s socket errors' "$name" "$n2" "$errs"
}

# healthz_vs_nginx C: keel and nginx on GET /healthz, runs interleaved so noise hits both alike.
healthz_vs_nginx() {
  local conns=$1 i line
  local nginx_rps=() nginx_p99=() nginx_non2xx=() nginx_errs=()
  local keel_rps=() keel_p99=() keel_non2xx=() keel_errs=()
  for ((i = 1; i <= REPEATS; i++)); do
    line=$(run_wrk "$conns" "$NGINX_URL/healthz")
    record nginx "$line"
    log "c=$conns run $i/$REPEATS nginx $line"
    line=$(run_wrk "$conns" "$KEEL_URL/healthz")
    record keel "$line"
    log "c=$conns run $i/$REPEATS keel  $line"
  done
  local n_rps k_rps n_p99 k_p99 r verdict
  n_rps=$(median "${nginx_rps[@]}") k_rps=$(median "${keel_rps[@]}")
  n_p99=$(median "${nginx_p99[@]}") k_p99=$(median "${keel_p99[@]}")
  KEEL_HEALTHZ_RPS[$conns]=$k_rps
  r=$(ratio "$k_rps" "$n_rps")
  verdict=$(awk -v r="$r" -v g="$GOAL" 'BEGIN { print (r >= g) ? "goal >= " g : "BELOW goal " g }')
  REPORT+=("$(printf 'GET /healthz  c=%-4s nginx %8s req/s   keel %8s req/s   ratio %s  (%s)  p99 nginx %s keel %s%s%s' \
    "$conns" "$(thousands "$n_rps")" "$(thousands "$k_rps")" "$r" "$verdict" "$(fmt_ms "$n_p99")" "$(fmt_ms "$k_p99")" \
    "$(problems keel "$(sum "${keel_non2xx[@]}")" "$(sum "${keel_errs[@]}")")" \
    "$(problems nginx "$(sum "${nginx_non2xx[@]}")" "$(sum "${nginx_errs[@]}")")")")
}

# measure NAME URL [extra wrk args]: keel only, at every connection count; quoted as a ratio
# to keel's /healthz at the same connection count (so call it after healthz_vs_nginx).
# URL may be a path ("/api/tasks") or a full URL. Example:
#   measure "GET /api/tasks" /api/tasks -H "Authorization: Bearer $token"
measure() {
  local name=$1 url=$2 conns i line
  shift 2
  [[ $url == /* ]] && url=$KEEL_URL$url
  for conns in "${CONNS[@]}"; do
    local keel_rps=() keel_p99=() keel_non2xx=() keel_errs=()
    for ((i = 1; i <= REPEATS; i++)); do
      line=$(run_wrk "$conns" "$url" "$@")
      record keel "$line"
      log "$name c=$conns run $i/$REPEATS keel $line"
    done
    local k_rps k_p99
    k_rps=$(median "${keel_rps[@]}") k_p99=$(median "${keel_p99[@]}")
    MEASURED_RPS["$name c=$conns"]=$k_rps
    REPORT+=("$(printf '%-13s c=%-4s keel %8s req/s   ratio to keel /healthz %s  p99 keel %s%s' \
      "$name" "$conns" "$(thousands "$k_rps")" "$(ratio "$k_rps" "${KEEL_HEALTHZ_RPS[$conns]:-0}")" "$(fmt_ms "$k_p99")" \
      "$(problems keel "$(sum "${keel_non2xx[@]}")" "$(sum "${keel_errs[@]}")")")")
  done
}

# compare NAME BASE GOAL: NAME's req/s against BASE's (both measured before in this run), at
# every connection count, with the goal the ratio must reach.
compare() {
  local name=$1 base=$2 goal=$3 conns
  for conns in "${CONNS[@]}"; do
    REPORT+=("$(printf '%s c=%-4s / %s: %8s / %8s req/s   ratio %s  (goal >= %s)' \
      "$name" "$conns" "$base" "$(thousands "${MEASURED_RPS["$name c=$conns"]:-0}")" \
      "$(thousands "${MEASURED_RPS["$base c=$conns"]:-0}")" \
      "$(ratio "${MEASURED_RPS["$name c=$conns"]:-0}" "${MEASURED_RPS["$base c=$conns"]:-0}")" "$goal")")
  done
}

# two_instances NAME URL1 URL2 [extra wrk args]: one wrk per instance side by side, at every
# connection count; the figure is their sum, quoted as a ratio to one keel's /healthz.
two_instances() {
  local name=$1 url1=$2 url2=$3 conns i total rps
  shift 3
  for conns in "${CONNS[@]}"; do
    local two=()
    for ((i = 1; i <= REPEATS; i++)); do
      run_wrk "$conns" "$url1" "$@" >"$TMP/two.1" &
      local w1=$!
      run_wrk "$conns" "$url2" "$@" >"$TMP/two.2"
      wait "$w1"
      total=$(($(cut -d' ' -f1 "$TMP/two.1") + $(cut -d' ' -f1 "$TMP/two.2")))
      two+=("$total")
      log "2 instances $name c=$conns run $i/$REPEATS total $total"
    done
    rps=$(median "${two[@]}")
    REPORT+=("$(printf '%-13s c=%-4s 2 keel instances on one PostgreSQL, each c=%s: %8s req/s together   ratio to one keel /healthz %s' \
      "$name" "$conns" "$conns" "$(thousands "$rps")" "$(ratio "$rps" "${KEEL_HEALTHZ_RPS[$conns]:-0}")")")
  done
}

# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------
start_nginx
start_keel
IDLE_RSS=$(rss_mib "$KEEL_PID")
log "nginx on $NGINX_URL (pid $NGINX_PID), keel on $KEEL_URL (pid $KEEL_PID), idle RSS $IDLE_RSS MiB"
log "wrk -t1 ${DURATION}s x $REPEATS per target, connections: ${CONNS[*]}"

for conns in "${CONNS[@]}"; do
  healthz_vs_nginx "$conns"
done

# Endpoints: add more here; each is quoted as a ratio to keel's /healthz in this same run.
# /readyz runs a statement on SQLite through the blocking pool: the database round trip.
measure "GET /readyz" /readyz

# PostgreSQL (when run under scripts/with-postgres.sh, as `make bench` does): the same
# statement on PostgreSQL, then two keel instances on one PostgreSQL at once.
if [ -n "${KEEL_TEST_POSTGRES_URL:-}" ]; then
  start_extra_keel "$KEEL_TEST_POSTGRES_URL"
  PG_URL_1=$EXTRA_URL
  measure "GET /readyz pg" "$PG_URL_1/readyz"
  start_extra_keel "$KEEL_TEST_POSTGRES_URL"
  PG_URL_2=$EXTRA_URL
  two_instances "GET /readyz pg" "$PG_URL_1/readyz" "$PG_URL_2/readyz"
fi

# Auth: login throughput against the bcrypt ceiling (raw crypt_rn verifications per second on
# one core x cores, measured here), and GET /api/auth/me latency idle and during a login storm.
# A keel of its own, with the auth rate limit off and the production bcrypt cost (12).
if [ -x "$BUILD_DIR/bench/keel_bcrypt_ceiling" ]; then
  start_extra_keel "sqlite://$TMP/auth.db" RATE_LIMIT_AUTH=0
  AUTH_URL=$EXTRA_URL
  token=$(curl -sf -X POST "$AUTH_URL/api/auth/register" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"bench password","name":"Bench"}' |
    sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
  [ -n "$token" ] || die "could not register the bench user"
  per_core=$("$BUILD_DIR/bench/keel_bcrypt_ceiling" 12 3)
  ceiling=$(awk -v r="$per_core" -v c="$(nproc)" 'BEGIN { printf "%.2f", r * c }')
  login_rps=()
  for ((i = 1; i <= REPEATS; i++)); do
    # Logins wrk abandoned at the end of a run are still being hashed for a moment: let the
    # pool drain, or they eat into the next run.
    sleep 2
    wrk -t1 -c8 -d"${DURATION}s" -s "$(dirname "$0")/login.lua" "$AUTH_URL/api/auth/login" >"$TMP/login.last" 2>&1
    login_rps+=("$(awk '/^Requests\/sec:/ { print $2 }' "$TMP/login.last")")
    log "login run $i/$REPEATS: ${login_rps[-1]} req/s (ceiling $ceiling)"
  done
  logins=$(median "${login_rps[@]}")
  REPORT+=("$(printf 'POST /api/auth/login  %.2f logins/s   bcrypt ceiling %s/s (%s/s per core x %s, cost 12)   ratio %s  (goal >= 0.85)' \
    "$logins" "$ceiling" "$per_core" "$(nproc)" "$(ratio "$logins" "$ceiling")")")

  idle=$(run_wrk 16 "$AUTH_URL/api/auth/me" -H "Authorization: Bearer $token")
  wrk -t1 -c16 -d"$((DURATION + 2))s" -s "$(dirname "$0")/login.lua" "$AUTH_URL/api/auth/login" >"$TMP/storm.last" 2>&1 &
  storm_pid=$!
  sleep 1
  stormy=$(run_wrk 16 "$AUTH_URL/api/auth/me" -H "Authorization: Bearer $token")
  wait "$storm_pid" || true
  read -r idle_rps idle_p99 idle_n2 idle_err <<<"$idle"
  read -r storm_rps storm_p99 storm_n2 storm_err <<<"$stormy"
  REPORT+=("$(printf 'GET /api/auth/me c=16  p99 idle %s   p99 during a login storm %s   ratio %s  (goal <= 3)   req/s %s / %s%s%s' \
    "$(fmt_ms "$idle_p99")" "$(fmt_ms "$storm_p99")" "$(ratio "$storm_p99" "$idle_p99")" \
    "$(thousands "$idle_rps")" "$(thousands "$storm_rps")" \
    "$(problems "me idle" "$idle_n2" "$idle_err")" "$(problems "me in storm" "$storm_n2" "$storm_err")")")
fi

# Resources (API.md §5-6) on 100,000 tasks: 100 owners, the bench user owns 1,000 of them
# (every 100th); an admin sees all. Seeded with SQL (the schema keel made from resources.yaml),
# then measured through HTTP with a valid token, as ratios to keel's /healthz in this run.
REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
BENCH_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')

# seed_sql DIALECT USER_ID PROJECT_ID: the seeding statements for sqlite3 or psql.
seed_sql() {
  local dialect=$1 user=$2 project=$3
  if [ "$dialect" = sqlite ]; then
    cat <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
SELECT printf('00000000-0000-7000-8000-%012d', i), 'seed' || i || '@example.com', 'Seed ' || i, 'user', 'x',
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
INSERT INTO projects (id, name, archived, owner_id, created_at, updated_at)
SELECT printf('00000000-0000-7000-9000-%012d', i), 'Project ' || i, 0, printf('00000000-0000-7000-8000-%012d', i),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO tasks (id, title, status, priority, project, owner_id, created_at, updated_at)
SELECT printf('00000000-0000-7000-a000-%012d', i), 'Task ' || i,
       CASE i % 3 WHEN 0 THEN 'todo' WHEN 1 THEN 'in_progress' ELSE 'done' END, 1 + (i / 100) % 5,
       CASE WHEN i % 100 = 0 THEN '$project' ELSE printf('00000000-0000-7000-9000-%012d', i % 100) END,
       CASE WHEN i % 100 = 0 THEN '$user' ELSE printf('00000000-0000-7000-8000-%012d', i % 100) END,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM n;
COMMIT;
ANALYZE;
SQL
  else
    cat <<SQL
BEGIN;
INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
SELECT ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid, 'seed' || i || '@example.com', 'Seed ' || i,
       'user', 'x', now(), now() FROM generate_series(1, 99) i;
INSERT INTO projects (id, name, archived, owner_id, created_at, updated_at)
SELECT ('00000000-0000-7000-9000-' || lpad(i::text, 12, '0'))::uuid, 'Project ' || i, false,
       ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid, now(), now() FROM generate_series(1, 99) i;
INSERT INTO tasks (id, title, status, priority, project, owner_id, created_at, updated_at)
SELECT ('00000000-0000-7000-a000-' || lpad(i::text, 12, '0'))::uuid, 'Task ' || i,
       CASE i % 3 WHEN 0 THEN 'todo' WHEN 1 THEN 'in_progress' ELSE 'done' END, 1 + (i / 100) % 5,
       CASE WHEN i % 100 = 0 THEN '$project'::uuid ELSE ('00000000-0000-7000-9000-' || lpad((i % 100)::text, 12, '0'))::uuid END,
       CASE WHEN i % 100 = 0 THEN '$user'::uuid ELSE ('00000000-0000-7000-8000-' || lpad((i % 100)::text, 12, '0'))::uuid END,
       now(), now() FROM generate_series(1, 100000) i;
COMMIT;
ANALYZE;
SQL
  fi
}

json_field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\1/"; }

# warm_lists LABEL URL OWNER_TOKEN ADMIN_TOKEN: the two list shapes measured below have no
# declared index that serves them (resources.yaml declares [status], they sort by priority):
# keel builds one for each once its pages have spent AUTO_INDEX_AFTER (1 s) of database time
# (docs/resources.md, "Fast lists"). Runs both lists until both indexes are built, and reports
# how long that took from the first list request: the cost a new heavy list pays once.
warm_lists() {
  local label=$1 url=$2 owner=$3 admin=$4 start=$SECONDS built=0 list
  list="$url/api/tasks?status=todo&sort=-priority&limit=20"
  while [ $((SECONDS - start)) -lt 120 ]; do
    wrk -t1 -c64 -d1s "$list" -H "Authorization: Bearer $admin" >/dev/null 2>&1 || true
    wrk -t1 -c64 -d1s "$list" -H "Authorization: Bearer $owner" >/dev/null 2>&1 || true
    built=$(metric "$url" 'keel_list_auto_indexes_total{result="built"}')
    [ "${built:-0}" -ge 2 ] && break
  done
  log "lists $label: $built automatic indexes built within $((SECONDS - start))s"
  REPORT+=("$(printf 'lists %-6s automatic indexes built for the owner and admin lists below: %s, within %ss of the first list request under load (AUTO_INDEX_AFTER=1 s)' \
    "$label" "${built:-0}" "$((SECONDS - start))")")
}

# resources_bench LABEL DATABASE_URL DIALECT: one keel with resources.yaml, seeded, measured.
resources_bench() {
  local label=$1 db_url=$2 dialect=$3 url reg token user project task admin_token
  # The rows of issue 15 are the data path itself: the read cache off (CACHE=off; the list totals'
  # count cache stays on, it is part of the list engine). The cache's own rows follow them.
  start_extra_keel "$db_url" RESOURCES_FILE="$REPO_DIR/resources.yaml" RATE_LIMIT_AUTH=0 BCRYPT_COST=10 \
    JWT_SECRET="$BENCH_SECRET" ADMIN_EMAIL="admin-$dialect@example.com" ADMIN_PASSWORD="admin password" CACHE=off
  url=$EXTRA_URL
  RES_URL=$url
  reg=$(curl -sf -X POST "$url/api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"tasks-$dialect@example.com\",\"password\":\"bench password\",\"name\":\"Bench\"}")
  token=$(json_field accessToken <<<"$reg")
  user=$(sed -E 's/.*"user":\{"id":"([^"]+)".*/\1/' <<<"$reg")
  project=$(curl -sf -X POST "$url/api/projects" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
    -d '{"name":"Bench"}' | json_field id)
  [ -n "$token" ] && [ -n "$project" ] || die "could not create the bench user and project ($label)"
  admin_token=$(curl -sf -X POST "$url/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"admin-$dialect@example.com\",\"password\":\"admin password\"}" | json_field accessToken)
  log "seeding 100,000 tasks ($label)"
  if [ "$dialect" = sqlite ]; then
    seed_sql sqlite "$user" "$project" | sqlite3 "${db_url#sqlite://}" >/dev/null
  else
    seed_sql postgres "$user" "$project" | psql -q -v ON_ERROR_STOP=1 "$db_url" >/dev/null
  fi
  task=$(curl -sf "$url/api/tasks?limit=1" -H "Authorization: Bearer $token" | json_field id)
  [ -n "$task" ] || die "the bench user sees no tasks ($label)"
  RES_TOKEN=$token RES_TASK=$task
  measure "GET /api/tasks/:id $label" "$url/api/tasks/$task" -H "Authorization: Bearer $token"
  warm_lists "$label" "$url" "$token" "$admin_token"
  measure "GET /api/tasks?status=todo&sort=-priority&limit=20 $label (owner: 1,000 own tasks)" \
    "$url/api/tasks?status=todo&sort=-priority&limit=20" -H "Authorization: Bearer $token"
  measure "GET /api/tasks?status=todo&sort=-priority&limit=20 $label (admin: all 100,000)" \
    "$url/api/tasks?status=todo&sort=-priority&limit=20" -H "Authorization: Bearer $admin_token"
  # GraphQL (issue 19): a page of 20 tasks with their projects, against REST's expand=project
  # returning the same records and fields, both as the owner (ratio goal >= 0.7).
  measure "GET /api/tasks?limit=20&expand=project $label (owner)" \
    "$url/api/tasks?limit=20&expand=project" -H "Authorization: Bearer $token"
  export KEEL_BENCH_TOKEN=$token  # read by graphql_tasks.lua
  measure "POST /api/graphql tasks(first:20){nodes{... project{...}}} $label (owner)" "$url/api/graphql" \
    -s "$(dirname "$0")/graphql_tasks.lua"
  compare "POST /api/graphql tasks(first:20){nodes{... project{...}}} $label (owner)" \
    "GET /api/tasks?limit=20&expand=project $label (owner)" 0.7
  # Cold totals: a write before each list, so each list counts its 33,000 matches afresh (the
  # kept total is stale). Half the requests are the PATCHes: req/s counts both.
  export KEEL_BENCH_TOKEN=$admin_token KEEL_BENCH_TASK=$task  # read by list_after_write.lua
  measure "GET /api/tasks?status=todo&sort=-priority&limit=20 $label (admin, each after a PATCH: total counted afresh; req/s counts both)" \
    "$url/api/tasks" -s "$(dirname "$0")/list_after_write.lua"
  # The read cache (issue 16, API.md §12): another keel on the same data with CACHE=on, in its
  # memory on SQLite, through Redis on PostgreSQL (scripts/with-redis.sh). A warm-up run first.
  local cached=(CACHE=on) cache_label="CACHE=on (in process)"
  if [ "$dialect" != sqlite ]; then
    cached+=(REDIS_URL="$KEEL_TEST_REDIS_URL")
    cache_label="CACHE=on (Redis)"
  fi
  start_extra_keel "$db_url" RESOURCES_FILE="$REPO_DIR/resources.yaml" JWT_SECRET="$BENCH_SECRET" "${cached[@]}"
  CACHED_URL=$EXTRA_URL
  # Warm: the first requests of a new instance miss together (and count totals afresh); the rows
  # are the steady state, hits.
  wrk -t1 -c8 -d1s "$CACHED_URL/api/tasks/$task" -H "Authorization: Bearer $token" >/dev/null 2>&1 || true
  wrk -t1 -c8 -d1s "$CACHED_URL/api/tasks?status=todo&sort=-priority&limit=20" -H "Authorization: Bearer $token" >/dev/null 2>&1 || true
  wrk -t1 -c8 -d1s "$CACHED_URL/api/tasks?status=todo&sort=-priority&limit=20" -H "Authorization: Bearer $admin_token" >/dev/null 2>&1 || true
  measure "GET /api/tasks/:id $label $cache_label" "$CACHED_URL/api/tasks/$task" -H "Authorization: Bearer $token"
  measure "GET /api/tasks?status=todo&sort=-priority&limit=20 $label (owner) $cache_label" \
    "$CACHED_URL/api/tasks?status=todo&sort=-priority&limit=20" -H "Authorization: Bearer $token"
  measure "GET /api/tasks?status=todo&sort=-priority&limit=20 $label (admin: all 100,000) $cache_label" \
    "$CACHED_URL/api/tasks?status=todo&sort=-priority&limit=20" -H "Authorization: Bearer $admin_token"
  RES_ADMIN_TOKEN=$admin_token
  # The same data and list with an index that serves it: another keel on the same database with
  # bench/resources-indexed.yaml ([status, priority] instead of [status]; applied at its start).
  start_extra_keel "$db_url" RESOURCES_FILE="$(dirname "$0")/resources-indexed.yaml" JWT_SECRET="$BENCH_SECRET" CACHE=off
  measure "GET /api/tasks?status=todo&sort=-priority&limit=20 $label (owner, index [status, priority])" \
    "$EXTRA_URL/api/tasks?status=todo&sort=-priority&limit=20" -H "Authorization: Bearer $token"
  measure "GET /api/tasks?status=todo&sort=-priority&limit=20 $label (admin, index [status, priority])" \
    "$EXTRA_URL/api/tasks?status=todo&sort=-priority&limit=20" -H "Authorization: Bearer $admin_token"
  # Last: every create adds a todo task of the bench user's, which would change the lists above.
  export KEEL_BENCH_TOKEN=$token KEEL_BENCH_PROJECT=$project  # read by post_task.lua
  if [ "$dialect" = sqlite ]; then
    # Durability's price: the same creates with SQLITE_SYNCHRONOUS=full (the default: a 201
    # survives power loss) and, on another keel on the same file, normal (synced at checkpoints).
    measure "POST /api/tasks $label SQLITE_SYNCHRONOUS=full" "$url/api/tasks" -s "$(dirname "$0")/post_task.lua"
    relay_post "POST /api/tasks $label relay" "$db_url" "POST /api/tasks $label SQLITE_SYNCHRONOUS=full"
    start_extra_keel "$db_url" RESOURCES_FILE="$REPO_DIR/resources.yaml" JWT_SECRET="$BENCH_SECRET" SQLITE_SYNCHRONOUS=normal \
      CACHE=off
    measure "POST /api/tasks $label SQLITE_SYNCHRONOUS=normal" "$EXTRA_URL/api/tasks" -s "$(dirname "$0")/post_task.lua"
  else
    measure "POST /api/tasks $label" "$url/api/tasks" -s "$(dirname "$0")/post_task.lua"
    relay_post "POST /api/tasks $label relay" "$db_url" "POST /api/tasks $label"
  fi
}

# The events relay (API.md §9): every create's event published to RabbitMQ, the throwaway broker
# this script runs under. A durable queue bound to keel.events keeps every message (unconsumed),
# so the broker stores each persistent message before it confirms, as it does for a real consumer.
AMQP_QUEUE_TOOL=$BUILD_DIR/bench/keel_bench_amqp_queue
[ -x "$AMQP_QUEUE_TOOL" ] || die "$AMQP_QUEUE_TOOL not found; build with -DKEEL_BENCH=ON (make bench does)"
"$AMQP_QUEUE_TOOL" declare keel.bench.events || die "cannot declare a queue on the broker $KEEL_TEST_AMQP_URL"
AMQP_QUEUE=keel.bench.events

metric() { # metric URL NAME: the value of an unlabelled series on URL/metrics (empty if none)
  curl -sf "$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}

# await_relay URL TIMEOUT_S: until the relay of keel at URL published something and has no
# backlog; prints the seconds it took.
await_relay() {
  local url=$1 timeout=$2 start=$SECONDS
  while [ $((SECONDS - start)) -lt "$timeout" ]; do
    if awk -v p="$(metric "$url" keel_events_published_total)" -v b="$(metric "$url" keel_events_backlog)" \
      'BEGIN { exit !(p > 0 && b != "" && b == 0) }'; then
      echo $((SECONDS - start))
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# relay_post NAME DATABASE_URL PLAIN_NAME: POST /api/tasks on another keel on the same database,
# with AMQP_URL, quoted as a ratio to PLAIN_NAME (the same creates without AMQP_URL, measured just
# before in this run). Its relay first publishes the events of the runs before; the creates are
# measured once that backlog is out. The backlog left at the end of the run (what the relay was
# behind) and the time to publish it are reported too; the keel is stopped afterwards.
relay_post() {
  local name=$1 db_url=$2 plain=$3 pid conns caught_up backlog drained
  start_extra_keel "$db_url" RESOURCES_FILE="$REPO_DIR/resources.yaml" JWT_SECRET="$BENCH_SECRET" AMQP_URL="$KEEL_TEST_AMQP_URL"
  pid=$EXTRA_PID
  caught_up=$(await_relay "$EXTRA_URL" 300) || die "the relay of $name did not publish the earlier events within 300 s"
  log "$name: the relay published the earlier events in ${caught_up}s"
  measure "$name" "$EXTRA_URL/api/tasks" -s "$(dirname "$0")/post_task.lua"
  backlog=$(metric "$EXTRA_URL" keel_events_backlog)
  drained=$(await_relay "$EXTRA_URL" 300) || die "the relay of $name did not catch up within 300 s"
  for conns in "${CONNS[@]}"; do
    REPORT+=("$(printf '%-13s c=%-4s with the relay publishing to RabbitMQ / without (%s): %8s / %8s req/s   ratio %s   (backlog at the end %s events, out in %ss)' \
      "$name" "$conns" "$plain" "$(thousands "${MEASURED_RPS["$name c=$conns"]}")" \
      "$(thousands "${MEASURED_RPS["$plain c=$conns"]}")" \
      "$(ratio "${MEASURED_RPS["$name c=$conns"]}" "${MEASURED_RPS["$plain c=$conns"]}")" "$backlog" "$drained")")
  done
  stop_extra_keel "$pid"
}

resources_bench sqlite "sqlite://$TMP/resources.db" sqlite
if [ -n "${KEEL_TEST_POSTGRES_URL:-}" ]; then
  resources_bench pg "$KEEL_TEST_POSTGRES_URL" postgres
  # A second instance on the same PostgreSQL (same JWT secret): both serve GET /api/tasks/:id.
  start_extra_keel "$KEEL_TEST_POSTGRES_URL" RESOURCES_FILE="$REPO_DIR/resources.yaml" JWT_SECRET="$BENCH_SECRET" CACHE=off
  RES_URL_2=$EXTRA_URL
  two_instances "GET /api/tasks/:id pg" "$RES_URL/api/tasks/$RES_TASK" "$RES_URL_2/api/tasks/$RES_TASK" \
    -H "Authorization: Bearer $RES_TOKEN"
  # Two instances with Redis (CACHE=on, the cache shared) against the two without (no cache on
  # PostgreSQL without Redis): the point read and the admin list.
  two_instances "GET /api/tasks?status=todo&sort=-priority&limit=20 pg (admin) without Redis" \
    "$RES_URL/api/tasks?status=todo&sort=-priority&limit=20" "$RES_URL_2/api/tasks?status=todo&sort=-priority&limit=20" \
    -H "Authorization: Bearer $RES_ADMIN_TOKEN"
  start_extra_keel "$KEEL_TEST_POSTGRES_URL" RESOURCES_FILE="$REPO_DIR/resources.yaml" JWT_SECRET="$BENCH_SECRET" \
    REDIS_URL="$KEEL_TEST_REDIS_URL"
  REDIS_URL_2=$EXTRA_URL
  two_instances "GET /api/tasks/:id pg with Redis (CACHE=on)" "$CACHED_URL/api/tasks/$RES_TASK" \
    "$REDIS_URL_2/api/tasks/$RES_TASK" -H "Authorization: Bearer $RES_TOKEN"
  two_instances "GET /api/tasks?status=todo&sort=-priority&limit=20 pg (admin) with Redis (CACHE=on)" \
    "$CACHED_URL/api/tasks?status=todo&sort=-priority&limit=20" "$REDIS_URL_2/api/tasks?status=todo&sort=-priority&limit=20" \
    -H "Authorization: Bearer $RES_ADMIN_TOKEN"
fi

# The event log's cost (issue 14: at most 15 % of write throughput): POST /api/tasks on this build
# against BENCH_BASELINE_KEEL (a build without the event log), each on a fresh database seeded as
# above, runs alternating (before, after, before, ...; BENCH_AB_RUNS each, default 3, the median).
# seeded_keel LABEL DATABASE_URL DIALECT: a keel of EXTRA_BIN with resources.yaml, a user, a project
# and the 100,000 seeded tasks; sets SEEDED_URL, SEEDED_TOKEN, SEEDED_PROJECT.
seeded_keel() {
  local label=$1 db_url=$2 dialect=$3 reg user
  start_extra_keel "$db_url" RESOURCES_FILE="$REPO_DIR/resources.yaml" RATE_LIMIT_AUTH=0 BCRYPT_COST=10
  SEEDED_URL=$EXTRA_URL
  reg=$(curl -sf -X POST "$SEEDED_URL/api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"ab-$label@example.com\",\"password\":\"bench password\",\"name\":\"Bench\"}")
  SEEDED_TOKEN=$(json_field accessToken <<<"$reg")
  user=$(sed -E 's/.*"user":\{"id":"([^"]+)".*/\1/' <<<"$reg")
  SEEDED_PROJECT=$(curl -sf -X POST "$SEEDED_URL/api/projects" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $SEEDED_TOKEN" -d '{"name":"Bench"}' | json_field id)
  [ -n "$SEEDED_TOKEN" ] && [ -n "$SEEDED_PROJECT" ] || die "could not create the bench user and project ($label)"
  log "seeding 100,000 tasks ($label)"
  if [ "$dialect" = sqlite ]; then
    seed_sql sqlite "$user" "$SEEDED_PROJECT" | sqlite3 "${db_url#sqlite://}" >/dev/null
  else
    seed_sql postgres "$user" "$SEEDED_PROJECT" | psql -q -v ON_ERROR_STOP=1 "$db_url" >/dev/null
  fi
}

# ab_post LABEL DIALECT URL_BEFORE URL_AFTER
ab_post() {
  local label=$1 dialect=$2 conns i line b_url b_token b_project a_url a_token a_project
  EXTRA_BIN=$TMP/keel-baseline seeded_keel "before-$label" "$3" "$dialect"
  b_url=$SEEDED_URL b_token=$SEEDED_TOKEN b_project=$SEEDED_PROJECT
  seeded_keel "after-$label" "$4" "$dialect"
  a_url=$SEEDED_URL a_token=$SEEDED_TOKEN a_project=$SEEDED_PROJECT
  for conns in "${CONNS[@]}"; do
    local before_rps=() before_p99=() before_non2xx=() before_errs=()
    local after_rps=() after_p99=() after_non2xx=() after_errs=()
    for ((i = 1; i <= ${BENCH_AB_RUNS:-3}; i++)); do
      line=$(KEEL_BENCH_TOKEN=$b_token KEEL_BENCH_PROJECT=$b_project \
        run_wrk "$conns" "$b_url/api/tasks" -s "$(dirname "$0")/post_task.lua")
      record before "$line"
      log "event log A/B $label c=$conns run $i before $line"
      line=$(KEEL_BENCH_TOKEN=$a_token KEEL_BENCH_PROJECT=$a_project \
        run_wrk "$conns" "$a_url/api/tasks" -s "$(dirname "$0")/post_task.lua")
      record after "$line"
      log "event log A/B $label c=$conns run $i after  $line"
    done
    local b a
    b=$(median "${before_rps[@]}") a=$(median "${after_rps[@]}")
    REPORT+=("$(printf 'POST /api/tasks %-6s c=%-4s with the event log / without (%s): %8s / %8s req/s   ratio %s  (goal >= 0.85)%s%s' \
      "$label" "$conns" "$(basename "$BENCH_BASELINE_KEEL")" "$(thousands "$a")" "$(thousands "$b")" "$(ratio "$a" "$b")" \
      "$(problems after "$(sum "${after_non2xx[@]}")" "$(sum "${after_errs[@]}")")" \
      "$(problems before "$(sum "${before_non2xx[@]}")" "$(sum "${before_errs[@]}")")")")
  done
}

if [ -n "${BENCH_BASELINE_KEEL:-}" ]; then
  cp "$BENCH_BASELINE_KEEL" "$TMP/keel-baseline"
  ab_post sqlite sqlite "sqlite://$TMP/ab-before.db" "sqlite://$TMP/ab-after.db"
  if [ -n "${KEEL_TEST_POSTGRES_URL:-}" ]; then
    # Two fresh schemas of the test database, one per binary.
    sep='?'
    [[ "$KEEL_TEST_POSTGRES_URL" == *\?* ]] && sep='&'
    for schema in bench_ab_before bench_ab_after; do
      psql -q -v ON_ERROR_STOP=1 "$KEEL_TEST_POSTGRES_URL" -c "CREATE SCHEMA $schema" >/dev/null
    done
    ab_post pg postgres "${KEEL_TEST_POSTGRES_URL}${sep}options=-csearch_path%3Dbench_ab_before" \
      "${KEEL_TEST_POSTGRES_URL}${sep}options=-csearch_path%3Dbench_ab_after"
  fi
fi

# Realtime (issue 17, API.md §10): 10,000 subscribed sockets on one keel (its RSS; goal <= 150
# MiB), one write fanned out to 1,000 subscribers of its owner (p99 delivery; goal <= 50 ms), and
# POST /api/tasks with 1,000 subscribers against none (goal >= 0.8), twice: subscribers of 100
# other users (each write concerns none of them: what connected subscribers cost the writes),
# and subscribers of the writing user (every write is 1,000 WebSocket messages). The sockets
# come from bench/realtime_bench.cpp, 1,000 per 127.0.0.x source address (from .2: wrk uses .1).
realtime_bench() {
  local tool=$BUILD_DIR/bench/keel_realtime_bench url port reg token project idle_rps others_rps with_rps rss i pid
  [ -x "$tool" ] || die "$tool not found; build with -DKEEL_BENCH=ON (make bench does)"
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  start_extra_keel "sqlite://$TMP/realtime.db" RESOURCES_FILE="$REPO_DIR/resources.yaml" RATE_LIMIT_AUTH=0 \
    BCRYPT_COST=10 MAX_CONNECTIONS=20000
  url=$EXTRA_URL port=${url##*:}
  reg=$(curl -sf -X POST "$url/api/auth/register" -H 'Content-Type: application/json' \
    -d '{"email":"realtime@example.com","password":"bench password","name":"Bench"}')
  token=$(json_field accessToken <<<"$reg")
  project=$(curl -sf -X POST "$url/api/projects" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
    -d '{"name":"Bench"}' | json_field id)
  [ -n "$token" ] && [ -n "$project" ] || die "could not create the realtime bench user and project"
  # 100 other users, registered four at a time (bcrypt); `wait` names them: keel runs in the
  # background of this shell too.
  local registering=()
  for ((i = 0; i < 100; i++)); do
    curl -sf -X POST "$url/api/auth/register" -H 'Content-Type: application/json' \
      -d "{\"email\":\"watcher$i@example.com\",\"password\":\"bench password\",\"name\":\"W\"}" |
      json_field accessToken >"$TMP/rt-watcher.$i" &
    registering+=($!)
    if ((${#registering[@]} == 4)); then
      wait "${registering[@]}"
      registering=()
    fi
  done
  [ ${#registering[@]} -eq 0 ] || wait "${registering[@]}"
  for ((i = 0; i < 100; i++)); do
    cat "$TMP/rt-watcher.$i"
    echo
  done >"$TMP/rt-others.tokens"
  [ "$(grep -c . "$TMP/rt-others.tokens")" = 100 ] || die "could not register the realtime bench's 100 watchers"
  local base_rss
  base_rss=$(rss_mib "$EXTRA_PID")
  # 10,000 sockets: RSS once all are subscribed, on a keel that has served nothing else yet (the
  # write runs below leave SQLite's page cache and WAL behind).
  "$tool" "$port" "$token" "$project" 10000 1 5 >"$TMP/rt10k.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 240; i++)); do grep -q '^holding' "$TMP/rt10k.log" && break; sleep 0.5; done
  sleep 2  # settled
  rss=$(rss_mib "$EXTRA_PID")
  wait "$pid" || true
  log "realtime 10k: $(tr '\n' ' ' <"$TMP/rt10k.log")"
  REPORT+=("$(printf 'realtime  10,000 subscribed sockets on one keel: RSS %s MiB (%s MiB before)  (goal <= 150)   %s' \
    "$rss" "$base_rss" "$(grep '^subscribed' "$TMP/rt10k.log")")")
  # No subscribers: the write throughput to compare with.
  export KEEL_BENCH_TOKEN=$token KEEL_BENCH_PROJECT=$project  # read by post_task.lua
  measure "POST /api/tasks realtime, no subscribers" "$url/api/tasks" -s "$(dirname "$0")/post_task.lua"
  idle_rps=${MEASURED_RPS["POST /api/tasks realtime, no subscribers c=${CONNS[0]}"]}
  # POST throughput while 1,000 sockets listen (LABEL LOG WRITES [TOKENS_FILE]): the tool's
  # WRITES fan-out writes first, then wrk. Sets POST_RPS.
  post_with_subscribers() {
    local label=$1 out=$2 writes=$3 pid i
    shift 3
    "$tool" "$port" "$token" "$project" 1000 "$writes" $((DURATION * REPEATS * ${#CONNS[@]} + 10)) "$@" >"$out" 2>&1 &
    pid=$!
    for ((i = 0; i < 240; i++)); do grep -q '^holding' "$out" && break; sleep 0.5; done
    measure "POST /api/tasks realtime, $label" "$url/api/tasks" -s "$(dirname "$0")/post_task.lua"
    POST_RPS=${MEASURED_RPS["POST /api/tasks realtime, $label c=${CONNS[0]}"]}
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    log "realtime $label: $(tr '\n' ' ' <"$out")"
  }
  # 1,000 subscribers of 100 other users, then 1,000 of the writer (the fan-out latency over 20
  # writes first).
  post_with_subscribers "1,000 subscribers of others" "$TMP/rt1k-others.log" 0 "$TMP/rt-others.tokens"
  others_rps=$POST_RPS
  post_with_subscribers "1,000 subscribers" "$TMP/rt1k.log" 20
  with_rps=$POST_RPS
  REPORT+=("$(printf 'realtime  one write to 1,000 subscribers: %s  (goal p99 <= 50 ms)' \
    "$(grep '^delivery latency' "$TMP/rt1k.log" | sed 's/^delivery latency //')")")
  REPORT+=("$(printf 'realtime  POST /api/tasks with 1,000 subscribers of 100 other users / none, c=%s: %s / %s req/s   ratio %s  (goal >= 0.8)' \
    "${CONNS[0]}" "$(thousands "$others_rps")" "$(thousands "$idle_rps")" "$(ratio "$others_rps" "$idle_rps")")")
  REPORT+=("$(printf 'realtime  POST /api/tasks with 1,000 subscribers of the writer (1,000 messages a write) / none, c=%s: %s / %s req/s   ratio %s' \
    "${CONNS[0]}" "$(thousands "$with_rps")" "$(thousands "$idle_rps")" "$(ratio "$with_rps" "$idle_rps")")")
  stop_extra_keel "$EXTRA_PID"
}
realtime_bench

LOADED_RSS=$(rss_mib "$KEEL_PID")

{
  echo "keel benchmark — $(date '+%Y-%m-%d %H:%M %Z'), $(nproc) cores, wrk -t1, ${DURATION}s x${REPEATS} (median)," \
    "keel THREADS=1 APP_ENV=production (access log JSON to file, metrics, request id), nginx 1 worker access_log off"
  printf '%s\n' "${REPORT[@]}"
  echo "keel idle RSS: $IDLE_RSS MiB (after load: $LOADED_RSS MiB)"
  if [ -x "$BUILD_DIR/bench/keel_micro_bench" ]; then
    cp "$BUILD_DIR/bench/keel_micro_bench" "$TMP/keel_micro_bench"
    echo
    echo "keel_micro_bench --benchmark_min_time=0.2"
    "$TMP/keel_micro_bench" --benchmark_min_time=0.2 2>&1
  fi
} | tee "$BUILD_DIR/bench-report.txt"
