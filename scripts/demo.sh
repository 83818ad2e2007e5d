#!/usr/bin/env bash
# The main job on an embedded default: two throw-away PostgreSQL servers, a Queen-shaped sample
# schema with data on the first, `pgferry migrate` to the second, validation and a summary.
#   scripts/demo.sh [SCALE]     SCALE 1 ≈ 25 MB (20k messages); default 5
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
scale=${1:-5}

scripts/install-deps.sh
swift build -c release --product pgferry
start_clusters "$(mktemp -d /tmp/pgferry-demo.XXXXXX)"
echo "source server 127.0.0.1:$SOURCE_PORT, target server 127.0.0.1:$TARGET_PORT"

# Sample data is loaded with psql; pgferry itself uses no client binary.
psql -q -h 127.0.0.1 -p "$SOURCE_PORT" -U postgres -c "CREATE DATABASE queen_source"
psql -q -h 127.0.0.1 -p "$TARGET_PORT" -U postgres -c "CREATE DATABASE queen_target"
echo "loading the Queen-shaped sample at scale $scale…"
psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SOURCE_PORT" -U postgres -d queen_source -f Fixtures/queen/schema.sql
PGOPTIONS="-c pgferry.scale=$scale" psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SOURCE_PORT" -U postgres \
  -d queen_source -f Fixtures/queen/data.sql

.build/release/pgferry migrate \
  --source "postgresql://postgres@127.0.0.1:$SOURCE_PORT/queen_source" \
  --target "postgresql://postgres@127.0.0.1:$TARGET_PORT/queen_target" \
  --schema queen --validate
