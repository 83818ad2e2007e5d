#!/usr/bin/env bash
# Runs pgferry's tests: installs what is missing, starts two throw-away PostgreSQL clusters on
# 127.0.0.1 (the tests' "source" and "target" servers), builds, and runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

scripts/install-deps.sh
PGFERRY_CLUSTER_FAST=1 start_clusters "$(mktemp -d /tmp/pgferry-test.XXXXXX)"
export PGFERRY_TEST_SOURCE_PORT=$SOURCE_PORT PGFERRY_TEST_TARGET_PORT=$TARGET_PORT
echo "test servers: source 127.0.0.1:$SOURCE_PORT, target 127.0.0.1:$TARGET_PORT"

swift build --build-tests
swift test "$@"
