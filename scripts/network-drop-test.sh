#!/usr/bin/env bash
# A real network drop in the middle of a COPY: the target server runs in a network namespace of
# its own behind a veth pair, the source on 127.0.0.1; once the target shows a COPY in progress,
# the host end of the veth goes down, so packets vanish (no RST, no FIN reaches either side).
#   case stall-timeout: --stall-timeout 5, nothing else: pgferry fails on its own (limit 10 s)
#   case sigint:        default options, SIGINT 1 s after the drop: exit 130 within 2 s
#   case default:       default options, nothing else: keepalives/tcp_user_timeout (30 s) or the
#                       60 s stall watchdog end it, whichever fires first (limit 40 s)
# After each case the link comes back up; no pgferry session may be left on either server within
# 15 s, and a rerun of `pgferry migrate` plus `pgferry validate --checksums` must succeed.
#   scripts/network-drop-test.sh   (PGFERRY_BIN names a built pgferry; default: swift build)
# Needs root and a kernel that allows network namespaces and veth pairs; without them it prints
# "network-drop: skipped: <reason>" and exits 0. NETWORK_DROP_ROWS sets the size of the copied
# table (default 900 000 rows, ~330 MB).
# Prints "network-drop: <case>: <seconds> s, exit <code>" per case, then "N passed, M failed";
# exits non-zero when a case fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh

skip() { echo "network-drop: skipped: $*"; exit 0; }
# Times are $EPOCHREALTIME values (seconds with microseconds).
seconds_since() { awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }'; }
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespace and veth pair)"
command -v ip >/dev/null || skip "no ip command (iproute2)"
command -v psql >/dev/null || skip "no psql"
PGFERRY_BIN=$(pgferry_binary)

rows=${NETWORK_DROP_ROWS:-900000}
namespace=pgferry-drop-$$
host_if=pgfnd$$a       # stays in the root namespace; interface names are limited to 15 bytes
target_if=pgfnd$$b     # moved into the namespace
work=""
pgferry_pid=""
source_port=""
target_port=""

# Stops whatever was started, in reverse order; safe to run from any point of the setup.
cleanup() {
  set +e
  [ -n "$pgferry_pid" ] && kill -KILL "$pgferry_pid" 2>/dev/null && wait "$pgferry_pid" 2>/dev/null
  if [ -n "$work" ]; then
    stop_cluster "$work/source"
    stop_cluster "$work/target"
    rm -rf "$work"
  fi
  ip link del "$host_if" 2>/dev/null          # deletes its peer in the namespace too
  ip netns del "$namespace" 2>/dev/null
}
# pg_ctl signals the postmaster by its pid, so it needs no network and works from the root
# namespace for the server in the namespace too. A fast shutdown still waiting (a backend that
# does not end) becomes an immediate one.
stop_cluster() {
  [ -f "$1/data/postmaster.pid" ] || return 0
  scripts/pg-cluster.sh stop "$1"
  if [ -f "$1/data/postmaster.pid" ]; then
    runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl" \
      -D "$1/data" -m immediate -w stop >/dev/null 2>&1
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the network: a namespace and a veth pair with link-local addresses ----------------------
error=$(ip netns add "$namespace" 2>&1) || skip "cannot create a network namespace: $error"
error=$(ip link add "$host_if" type veth peer name "$target_if" netns "$namespace" 2>&1) \
  || skip "cannot create a veth pair: $error"
# A /30 of 169.254.77.0/24 that no interface of this host uses yet (another run, say).
subnet=""
for base in $(seq 0 4 252); do
  if ! ip -o -4 addr show | grep -Eq "inet 169\.254\.77\.($((base + 1))|$((base + 2)))/"; then subnet=$base; break; fi
done
[ -n "$subnet" ] || skip "no free /30 in 169.254.77.0/24"
host_addr=169.254.77.$((subnet + 1))
target_addr=169.254.77.$((subnet + 2))
ip addr add "$host_addr/30" dev "$host_if"
ip link set "$host_if" up
ip -n "$namespace" addr add "$target_addr/30" dev "$target_if"
ip -n "$namespace" link set "$target_if" up
ip -n "$namespace" link set lo up
# ip netns exec also needs a mount namespace with its own /sys, which some containers refuse.
error=$(ip netns exec "$namespace" true 2>&1) || skip "cannot run a command in a network namespace: $error"

# --- the servers -------------------------------------------------------------------------------
work=$(mktemp -d /tmp/pgferry-netdrop.XXXXXX)
chmod 755 "$work"
source_port=$(PGFERRY_CLUSTER_FAST=1 scripts/pg-cluster.sh start "$work/source" auto)
# The postmaster (and so every backend) lives in the namespace: its only way out is the veth.
target_port=$(ip netns exec "$namespace" env PGFERRY_CLUSTER_FAST=1 PGFERRY_CLUSTER_LISTEN="$target_addr/30" \
  scripts/pg-cluster.sh start "$work/target" auto)

source_sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$source_port" -U postgres "$@"; }
# The target through its unix socket: a file, so it is reachable from the root namespace while
# the veth is down.
target_sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$work/target" -p "$target_port" -U postgres "$@"; }

# When pgferry's kernel gives up on a connection (tcp_user_timeout, its keepalives) the network
# is still down, so no FIN or RST ever reaches the target: its backend would wait in ClientRead
# until the server's TCP keepalive finds the client gone — by default the OS's, after 2 hours —
# holding its table's TRUNCATE lock. pgferry sets server-side keepalives on its own sessions
# (SessionSettings), so the target server here keeps its defaults: the test proves that.

source_sql -d postgres -c "CREATE DATABASE netdrop"
target_sql -d postgres -c "CREATE DATABASE netdrop"
load_started=$EPOCHREALTIME
source_sql -d netdrop <<SQL
CREATE SCHEMA ferry;
CREATE TABLE ferry.big (id bigint PRIMARY KEY, payload text NOT NULL);
INSERT INTO ferry.big SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, $rows) g;
CREATE TABLE ferry.small (id int PRIMARY KEY, big_id bigint REFERENCES ferry.big, note text);
INSERT INTO ferry.small SELECT g, g * 7, 'row ' || g FROM generate_series(1, 1000) g;
SQL
echo "network-drop: source table: $(source_sql -d netdrop -c "SELECT pg_size_pretty(pg_table_size('ferry.big'))"), $rows rows, loaded in $(seconds_since "$load_started") s"

source_url="postgresql://postgres@127.0.0.1:$source_port/netdrop"
target_url="postgresql://postgres@$target_addr:$target_port/netdrop"

# --- helpers -----------------------------------------------------------------------------------

# migrate_in_background LOG OPTIONS…: sets pgferry_pid.
migrate_in_background() {
  local log=$1; shift
  "$PGFERRY_BIN" migrate --source "$source_url" --target "$target_url" --schema ferry "$@" >"$log" 2>&1 &
  pgferry_pid=$!
}

# Waits until the target has taken 20 MB of the COPY (so the stream is flowing, far from its end).
wait_for_copy() {
  local deadline=$((SECONDS + 60)) bytes
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$pgferry_pid" 2>/dev/null || return 1
    bytes=$(target_sql -d netdrop -c "SELECT coalesce(max(bytes_processed), 0) FROM pg_stat_progress_copy")
    [ "$bytes" -gt $((20 << 20)) ] && return 0
    sleep 0.05
  done
  return 1
}

# wait_for_exit LIMIT: waits up to LIMIT seconds for pgferry to end; sets exit_code and exited_at
# (exit_code "none" and a KILL when it is still running).
wait_for_exit() {
  local deadline
  deadline=$(awk -v now="$EPOCHREALTIME" -v limit="$1" 'BEGIN { printf "%.6f", now + limit }')
  while kill -0 "$pgferry_pid" 2>/dev/null && at_most "$EPOCHREALTIME" "$deadline"; do sleep 0.02; done
  exited_at=$EPOCHREALTIME
  if kill -0 "$pgferry_pid" 2>/dev/null; then
    kill -KILL "$pgferry_pid"; wait "$pgferry_pid" 2>/dev/null || true
    exit_code=none
  else
    exit_code=0; wait "$pgferry_pid" || exit_code=$?
  fi
  pgferry_pid=""
}

# Sessions named pgferry (libpq's application_name default in pgferry) on either server; waits up
# to 15 s for none. Sets sessions_gone_after (seconds) or prints what is left.
check_no_sessions() {
  local started=$EPOCHREALTIME query="SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgferry'"
  while :; do
    if [ "$(source_sql -d postgres -c "$query")" = 0 ] && [ "$(target_sql -d postgres -c "$query")" = 0 ]; then
      sessions_gone_after=$(seconds_since "$started"); return 0
    fi
    at_most "$(seconds_since "$started")" 15 || break
    sleep 0.2
  done
  local list="SELECT pid, state, wait_event, left(query, 60) FROM pg_stat_activity WHERE application_name = 'pgferry'"
  echo "  sessions left on the source: $(source_sql -d postgres -F ' ' -c "$list" | tr '\n' ';')"
  echo "  sessions left on the target: $(target_sql -d postgres -F ' ' -c "$list" | tr '\n' ';')"
  return 1
}

rerun_and_validate() {
  # --foreground: a timeout signals pgferry alone (a second signal from the process group would
  # end it before it says what it waited for).
  timeout --foreground 60 "$PGFERRY_BIN" migrate --source "$source_url" --target "$target_url" --schema ferry >"$work/rerun.log" 2>&1 \
    || { echo "  rerun failed:"; sed 's/^/    /' "$work/rerun.log"; return 1; }
  timeout --foreground 60 "$PGFERRY_BIN" validate --checksums --source "$source_url" --target "$target_url" --schema ferry >"$work/validate.log" 2>&1 \
    || { echo "  validate --checksums failed:"; sed 's/^/    /' "$work/validate.log"; return 1; }
}

passed=0
failed=0
# run_case NAME LIMIT EXPECTED SIGNAL OPTIONS…: EXPECTED is an exit code or "nonzero"; SIGNAL is
# sent 1 s after the drop ("-" for none), and the time counts from the signal, else from the drop.
run_case() {
  local name=$1 limit=$2 expected=$3 signal=$4; shift 4
  local log="$work/$name.log" ok=1 from elapsed
  migrate_in_background "$log" "$@"
  if ! wait_for_copy; then
    echo "network-drop: $name: FAIL: no COPY reached the target"; sed 's/^/    /' "$log"
    failed=$((failed + 1)); wait_for_exit 1; return
  fi
  ip link set "$host_if" down
  from=$EPOCHREALTIME
  if [ "$signal" != - ]; then
    sleep 1
    kill -"$signal" "$pgferry_pid"
    from=$EPOCHREALTIME
  fi
  wait_for_exit "$((limit + 20))"
  elapsed=$(seconds_since "$from" "$exited_at")
  ip link set "$host_if" up
  echo "network-drop: $name: $elapsed s, exit $exit_code"
  echo "  $(grep -m 1 '^Error' "$log" || tail -n 1 "$log")"
  case $expected in
    nonzero) [ "$exit_code" != none ] && [ "$exit_code" != 0 ] || { ok=0; echo "  expected a failure, got exit $exit_code"; } ;;
    *) [ "$exit_code" = "$expected" ] || { ok=0; echo "  expected exit $expected, got $exit_code"; } ;;
  esac
  at_most "$elapsed" "$limit" || { ok=0; echo "  expected within $limit s"; }
  if check_no_sessions; then echo "  no pgferry session left after $sessions_gone_after s"; else ok=0; fi
  if rerun_and_validate; then echo "  rerun and validate --checksums: ok"; else ok=0; fi
  if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  --- pgferry output"; sed 's/^/    /' "$log"; fi
}

run_case stall-timeout 10 nonzero - --stall-timeout 5
run_case sigint 2 130 INT
run_case default 40 nonzero -

echo "network-drop: $passed passed, $failed failed"
[ "$failed" = 0 ]
