#!/usr/bin/env bash
# A curl session against the real binary: two throw-away clusters, the Queen fixture on the
# source, `pgferry serve` on a free loopback port; start → poll → complete → metrics → validate → reset.
#   scripts/server-smoke.sh        (PGFERRY_BIN names a built pgferry; default: swift build)
# Prints "server-smoke: N passed, M failed" last and exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
PGFERRY_BIN=$(pgferry_binary)

PGFERRY_CLUSTER_FAST=1 start_clusters "$(mktemp -d /tmp/pgferry-smoke.XXXXXX)" stop_server
work=$CLUSTERS_DIR; source_port=$SOURCE_PORT; target_port=$TARGET_PORT; server_port=$(free_port)
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$source_port" -U postgres -d postgres -c "CREATE DATABASE queen"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$target_port" -U postgres -d postgres -c "CREATE DATABASE queen"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$source_port" -U postgres -d queen -f "$root/Fixtures/queen/schema.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$source_port" -U postgres -d queen -f "$root/Fixtures/queen/data.sql" >/dev/null

token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
# The source the way Queen's deployment names it.
PGFERRY_ADMIN_TOKEN="$token" PG_HOST=127.0.0.1 PG_PORT="$source_port" PG_DB=queen PG_USER=postgres \
  "$PGFERRY_BIN" serve --listen "127.0.0.1:$server_port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$server_port/health" >/dev/null 2>&1 && break; sleep 0.1; done

U="http://127.0.0.1:$server_port/api/v1/migration"
auth="Authorization: Bearer $token"
json="Content-Type: application/json"
target="{\"host\":\"127.0.0.1\",\"port\":$target_port,\"database\":\"queen\",\"user\":\"postgres\",\"password\":\"smoke-secret\"}"
passed=0; failed=0
expect() {  # expect NAME EXPECTED_CODE PYTHON_CHECK curl-args…
  local name=$1 code=$2 check=$3; shift 3
  local body status
  body=$(curl -s -o - -w '\n%{http_code}' "$@")
  status=${body##*$'\n'}; body=${body%$'\n'*}
  if [ "$status" = "$code" ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($check) and 'smoke-secret' not in sys.argv[1] else 1)" "$body"; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name: HTTP $status $body"
  fi
}

expect "health" 200 "d['status'] == 'ok'" "http://127.0.0.1:$server_port/health"
expect "no token" 401 "'Authentication required' in d['error']" "$U/status"
expect "test-connection" 200 "d['success'] and d['version'].startswith('PostgreSQL')" -H "$auth" -H "$json" "$U/test-connection" -d "$target"
expect "form body refused" 415 "'application/json' in d['error']" -H "$auth" "$U/test-connection" -d "$target"
expect "foreign Host refused" 421 "'--allow-host' in d['error']" -H "Host: rebound.example:$server_port" "http://127.0.0.1:$server_port/health"
expect "foreign Origin refused" 403 "'--allow-origin' in d['error']" -H "$auth" -H "Origin: https://evil.example" -X POST "$U/reset"
expect "bad port" 400 "'port must be a number' in d['error']" -H "$auth" -H "$json" "$U/start" -d '{"host":"h","port":"x","database":"d","user":"u"}'
expect "start" 202 "d['status'] == 'started'" -H "$auth" -H "$json" "$U/start" \
  -d "${target%\}},\"schema\":\"queen\",\"excludeTableData\":[\"message_traces\",\"message_trace_names\"]}"
for _ in $(seq 1 600); do
  state=$(curl -s -H "$auth" "$U/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  [ "$state" = complete ] || [ "$state" = error ] && break
  sleep 0.2
done
expect "status complete" 200 "d['status'] == 'complete' and d['totals']['tablesSkipped'] == 2 and d['totals']['percent'] == 100" -H "$auth" "$U/status"
expect "metrics need the token" 401 "'Authentication required' in d['error']" "http://127.0.0.1:$server_port/metrics"
# /metrics parses as Prometheus text and agrees with status.
if python3 - "$(curl -s -H "$auth" "$U/status")" "$(curl -s -H "$auth" "http://127.0.0.1:$server_port/metrics")" <<'PY'
import json, re, sys
status, samples, types = json.loads(sys.argv[1]), {}, {}
for line in sys.argv[2].splitlines():
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" "); types[name] = kind
    elif line and not line.startswith("#"):
        series, value = line.rsplit(" ", 1)
        assert re.fullmatch(r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})?', series), line
        assert series.split("{")[0] in types, "no TYPE before " + line
        samples[series] = float(value)
totals = status["totals"]
sys.exit(0 if samples["pgferry_copy_rows_total"] == totals["rows"] and samples["pgferry_copy_bytes_total"] == totals["bytes"]
         and samples['pgferry_tables{state="done"}'] == totals["tablesDone"] and samples['pgferry_migrations_total{result="complete"}'] == 1
         and types["pgferry_copy_rows_total"] == "counter" else 1)
PY
then passed=$((passed + 1)); echo "ok   metrics match status"; else failed=$((failed + 1)); echo "FAIL metrics match status"; fi
expect "validate" 200 "d['allMatch'] and len(d['tables']) == 20 and sum(t['skipped'] for t in d['tables']) == 2" -H "$auth" -H "$json" "$U/validate" -d "$target"
expect "plan" 200 "len(d['tables']) == 20 and len(d['ddl']) > 20" -H "$auth" "$U/plan?schema=queen"
expect "reset" 200 "d['status'] == 'idle'" -X POST -H "$auth" "$U/reset"
expect "cancel when idle" 409 "d['error'] == 'No migration in progress'" -X POST -H "$auth" "$U/cancel"
if grep -q smoke-secret "$work/server.log"; then failed=$((failed + 1)); echo "FAIL the password is in the server log"; else passed=$((passed + 1)); echo "ok   no password in the log"; fi

[ "$failed" = 0 ] || { echo "--- server log" >&2; cat "$work/server.log" >&2; }
echo "server-smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
