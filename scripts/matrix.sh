#!/usr/bin/env bash
# The version matrix (issue 3): pgferry's round-trip tests with the source and target servers on
# different PostgreSQL major versions.
#   scripts/matrix.sh                 sources 14 15 16 17 18 × targets 15 18 (10 cells)
#   scripts/matrix.sh --quick         one cross-version cell, for CI (MATRIX_QUICK_PAIR, default "17 15")
#   scripts/matrix.sh --sources "14 17" --targets 18    a chosen sub-matrix
# Fetches the server binaries it lacks (scripts/fetch-postgres.sh), builds once, then per cell
# starts two throw-away clusters on 127.0.0.1, runs the round-trip tests against them with the
# newest pg_dump as the oracle, stops the clusters, and prints a pass/fail table. Exits non-zero
# when a cell fails. Each cell's full test output is kept in .cache/matrix/<source>-<target>.log,
# and every pg_dump the tests compared in .cache/matrix/<source>-<target>.dumps/<database>.sql.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

sources="14 15 16 17 18"
targets="15 18"
filter=${MATRIX_FILTER:-'QueenRoundTripTests|EdgeCaseTests|TortureRoundTripTests|NativeTypeRoundTripTests|VersionOracleTests'}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) read -r sources targets <<<"${MATRIX_QUICK_PAIR:-17 15}"; shift ;;
    --sources) sources=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    *) echo "usage: matrix.sh [--quick] [--sources \"14 15 ...\"] [--targets \"15 18\"] [--filter REGEX]" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
majors=$(printf '%s\n' $sources $targets | sort -un)
scripts/fetch-postgres.sh $majors
newest=$(printf '%s\n' $majors | sort -n | tail -n 1)
# The oracle: one pg_dump at least as new as both servers of every cell (catalog-ddl.md §4.1).
oracle_bindir=$(scripts/fetch-postgres.sh --bindir "$newest")
export PGFERRY_TEST_PG_DUMP=$oracle_bindir/pg_dump PGFERRY_TEST_BINDIR=$oracle_bindir

logs=.cache/matrix
mkdir -p "$logs"
echo "building tests"
swift build --build-tests >"$logs/build.log" 2>&1 || { tail -n 40 "$logs/build.log" >&2; exit 1; }

work=$(mktemp -d /tmp/pgferry-matrix.XXXXXX)
chmod 755 "$work"
current_cell=""
cleanup() {
  if [ -n "$current_cell" ]; then stop_cluster_pair $current_cell || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A cell that hangs is ended after MATRIX_CELL_TIMEOUT seconds (default 900) and counts as failed.
cell_timeout=${MATRIX_CELL_TIMEOUT:-900}

# kill_tree PID: PID and all its descendants (swift test runs the test binary as a child in a
# process group of its own, so a group kill would miss it).
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}

# wait_with_deadline PID SECONDS: waits for PID; past SECONDS kills its tree and fails.
wait_with_deadline() {
  local pid=$1 deadline=$(( SECONDS + $2 ))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "matrix.sh: cell timed out after $2 s; test processes killed" >>"$log"
      kill_tree "$pid"
      wait "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
  wait "$pid"
}

results=()
failed=0
matrix_start=$SECONDS
for source in $sources; do
  for target in $targets; do
    source_bindir=$(scripts/fetch-postgres.sh --bindir "$source")
    target_bindir=$(scripts/fetch-postgres.sh --bindir "$target")
    cell="$work/$source-$target"
    log="$logs/$source-$target.log"
    current_cell="$cell $source_bindir $target_bindir"
    started=$SECONDS
    status=pass
    summary=""
    if ! PGFERRY_CLUSTER_FAST=1 start_cluster_pair "$cell" "$source_bindir" "$target_bindir" >"$log" 2>&1; then
      status=FAIL
      summary="clusters did not start (see $log)"
    else
      echo "== $source → $target (source 127.0.0.1:$SOURCE_PORT, target 127.0.0.1:$TARGET_PORT)"
      rm -rf "$logs/$source-$target.dumps"
      PGFERRY_TEST_SOURCE_PORT=$SOURCE_PORT PGFERRY_TEST_TARGET_PORT=$TARGET_PORT \
        PGFERRY_TEST_DUMP_DIR=$(pwd)/$logs/$source-$target.dumps \
        swift test --skip-build --filter "$filter" >>"$log" 2>&1 &
      if ! wait_with_deadline $! "$cell_timeout"; then
        status=FAIL
      fi
      # Swift Testing's closing line, e.g. "Test run with 5 tests in 2 suites passed after 9.1 seconds."
      summary=$(grep -E '^. Test run with ' "$log" | tail -n 1 | sed -E 's/^. //; s/ after [0-9.]+ seconds\.//' || true)
      grep -q "cell timed out" "$log" && summary="timed out after ${cell_timeout}s; $summary"
      [ -n "$summary" ] || summary="no test summary (see $log)"
    fi
    stop_cluster_pair $current_cell >/dev/null 2>&1 || true
    current_cell=""
    seconds=$(( SECONDS - started ))
    [ "$status" = pass ] || failed=$((failed + 1))
    results+=("| $source | $target | $status | ${seconds}s | $summary |")
    echo "   $status in ${seconds}s: $summary"
  done
done

echo
echo "pgferry version matrix (tests: $filter; oracle: $PGFERRY_TEST_PG_DUMP)"
echo
echo "| source | target | result | time | tests |"
echo "|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
echo
total=${#results[@]}
echo "matrix took $(( SECONDS - matrix_start ))s; logs in $logs/"
echo "cells: $((total - failed)) passed, $failed failed"
[ "$failed" = 0 ]
