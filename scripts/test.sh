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
if [ $# -gt 0 ]; then
  swift test "$@"
  exit
fi
# Three groups, one after the other, so time bounds hold on a 2-core machine: the suites that
# assert them (fail within 2 s, cancel within 10 s, sessions gone…) on their own first, then the
# rest, then the follow suites (they stream from the source and keep both servers busy).
timed='FaultTests|FailureTests|PGConnectionCancelTests|checksBeyondTheLimitAre429AndSlowOnesEndAt504'
timed="$timed|aSlowTableFailsAtTheStatementTimeoutAndNoConnectionStaysOpen|aSessionHoldingALockIsNamedWhenTheDropTimesOut"
timed="$timed|aSignalEndsAStalledRunWithinTwoSeconds"
follow='FollowTests|FollowCheckTests|FollowRouteTests|ApplyReplayTests|ReplicationConnectionTests'
follow="$follow|followUntilInterruptCutsOver|aKilledFollowResumesAndCleanupDropsLeftovers|followKilledTwiceUnderAWriterCutsOverEqual"
follow="$follow|followCountersMatchStatus|FollowKindsTests|FollowReplicaIdentityTests|FollowCorpusTests|FollowFaultSoakTests"
# A slot's creation waits for every open source transaction: a follow run beside the rest waits on theirs.
follow="$follow|aWholeDatabaseFollowRunEndsEqual"
swift test --filter "$timed"
swift test --skip "$timed|$follow"
swift test --filter "$follow"
