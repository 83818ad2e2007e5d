#!/usr/bin/env bash
# Builds Examples/EmbedFerry (a package that depends on the Ferry library by path, as a server
# embedding pgferry would) and runs it: two throw-away clusters, the Queen fixture on the source,
# a migration watched through its progress stream, then validation with checksums.
# Prints "embed-example: N passed, M failed" last and exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh

(cd Examples/EmbedFerry && swift build 2>&1 | grep -vE "unhandled; explicitly declare|/CMakeLists.txt$") || true
example=$root/Examples/EmbedFerry/.build/debug/EmbedFerry
[ -x "$example" ] || { echo "embed-example: Examples/EmbedFerry did not build"; echo "embed-example: 0 passed, 1 failed"; exit 1; }

PGFERRY_CLUSTER_FAST=1 start_clusters "$(mktemp -d /tmp/pgferry-embed.XXXXXX)"
P() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
P -p "$SOURCE_PORT" -d postgres -c "CREATE DATABASE queen"
P -p "$TARGET_PORT" -d postgres -c "CREATE DATABASE queen"
P -p "$SOURCE_PORT" -d queen -f Fixtures/queen/schema.sql >/dev/null
P -p "$SOURCE_PORT" -d queen -f Fixtures/queen/data.sql >/dev/null

passed=0; failed=0
out=$(PGFERRY_SOURCE_URL="postgresql://postgres@127.0.0.1:$SOURCE_PORT/queen" \
      PGFERRY_TARGET_URL="postgresql://postgres@127.0.0.1:$TARGET_PORT/queen" "$example" queen 2>&1) && code=0 || code=$?
echo "$out" | tail -n 5
# The stream reported the run while it ran and ended with it; the run and the validation passed.
if [ "$code" = 0 ] && grep -q '^dumping: \|^restoring: ' <<<"$out" && grep -q '^complete: ' <<<"$out" \
   && grep -q '^validated: 20 tables match' <<<"$out"; then
  passed=$((passed + 1)); echo "PASS the example migrates the Queen sample, streams its progress and validates it"
else
  failed=$((failed + 1)); echo "FAIL the example (exit $code)"; echo "$out" | sed 's/^/     | /'
fi
# A wrong schema: the library's error, not a crash.
out=$(PGFERRY_SOURCE_URL="postgresql://postgres@127.0.0.1:$SOURCE_PORT/queen" \
      PGFERRY_TARGET_URL="postgresql://postgres@127.0.0.1:$TARGET_PORT/queen" "$example" no_such_schema 2>&1) && code=0 || code=$?
if [ "$code" = 1 ] && grep -q '^migration failed: .*no_such_schema' <<<"$out"; then
  passed=$((passed + 1)); echo "PASS a missing schema ends in the library's error: $(tail -n 1 <<<"$out")"
else
  failed=$((failed + 1)); echo "FAIL a missing schema (exit $code)"; echo "$out" | sed 's/^/     | /'
fi
echo "embed-example: $passed passed, $failed failed"
[ "$failed" = 0 ]
