#!/usr/bin/env bash
# Real-browser test of the dashboard: two throw-away clusters, the Queen fixture on the source,
# `pgferry serve` on a free loopback port, then scripts/browser-test.py drives headless Chromium.
#   scripts/browser-test.sh [SCREENSHOT_DIR]
# Needs Debian's chromium and chromium-driver and Python's selenium:
#   apt-get install -y chromium chromium-driver && pip install selenium
# PGFERRY_BIN names a built pgferry binary (default: swift build, then .build/debug/pgferry).
# Prints "browser: N passed, M failed" last and exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
shots=${1:-$root/.build/browser-test}
mkdir -p "$shots"
PGFERRY_BIN=$(pgferry_binary)

PGFERRY_CLUSTER_FAST=1 start_clusters "$(mktemp -d /tmp/pgferry-browser.XXXXXX)" stop_server
work=$CLUSTERS_DIR; source_port=$SOURCE_PORT; target_port=$TARGET_PORT
psql_source() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$source_port" -U postgres "$@"; }
psql_source -d postgres -c "CREATE DATABASE queen_src"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$target_port" -U postgres -d postgres -c "CREATE DATABASE queen_new"
psql_source -d queen_src -f "$root/Fixtures/queen/schema.sql" >/dev/null
PGOPTIONS="-c pgferry.scale=${PGFERRY_BROWSER_SCALE:-2}" psql_source -d queen_src -f "$root/Fixtures/queen/data.sql" >/dev/null
# A grantee the target lacks: what the plan with owners and roles says it would create.
psql_source -d queen_src -c "CREATE ROLE pgferry_browser_reader; GRANT SELECT ON queen.queues TO pgferry_browser_reader"

token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
server_port=$(free_port)
PGFERRY_ADMIN_TOKEN="$token" "$PGFERRY_BIN" serve --listen "127.0.0.1:$server_port" \
  --source "host=127.0.0.1 port=$source_port dbname=queen_src user=postgres" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$server_port/health" >/dev/null 2>&1 && break
  sleep 0.1
done

status=0
PGFERRY_URL="http://127.0.0.1:$server_port" PGFERRY_TOKEN="$token" \
PGFERRY_TARGET_PORT="$target_port" PGFERRY_TARGET_DB=queen_new \
PGFERRY_SOURCE_PORT="$source_port" PGFERRY_SOURCE_DB=queen_src \
PGFERRY_SHOTS="$shots" python3 "$root/scripts/browser-test.py" || status=$?
if [ "$status" != 0 ]; then
  echo "--- server log" >&2
  cat "$work/server.log" >&2
fi
exit "$status"
