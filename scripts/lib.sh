# Shared by the scripts that start throw-away servers: free ports and cluster lifecycles.

# Source clusters run with wal_level = logical: follow mode (logical decoding) streams from them.
SOURCE_CLUSTER_OPTIONS="-c wal_level=logical"

# A TCP port on 127.0.0.1 that nothing answers on, below Linux's ephemeral range (32768-60999):
# a port in that range can be held by the local end of any outgoing connection, and a server
# then fails to bind it although nothing listens there.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 12768 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# start_clusters WORKDIR [BEFORE_STOP]: starts "source" and "target" clusters, sets SOURCE_PORT and
# TARGET_PORT, and stops them (after running the function BEFORE_STOP, if named) and removes
# WORKDIR when the calling script exits.
start_clusters() {
  CLUSTERS_DIR=$1
  CLUSTERS_BEFORE_STOP=${2:-true}
  mkdir -p "$CLUSTERS_DIR" && chmod 755 "$CLUSTERS_DIR"
  trap stop_clusters EXIT
  SOURCE_PORT=$(PGFERRY_CLUSTER_OPTIONS="$SOURCE_CLUSTER_OPTIONS" scripts/pg-cluster.sh start "$CLUSTERS_DIR/source" auto)
  TARGET_PORT=$(scripts/pg-cluster.sh start "$CLUSTERS_DIR/target" auto)
}

stop_clusters() {
  "$CLUSTERS_BEFORE_STOP" || true
  scripts/pg-cluster.sh stop "$CLUSTERS_DIR/source" || true
  scripts/pg-cluster.sh stop "$CLUSTERS_DIR/target" || true
  rm -rf "$CLUSTERS_DIR"
}

# start_cluster_pair WORKDIR SOURCE_BINDIR TARGET_BINDIR: like start_clusters, with a PostgreSQL
# version each (the version matrix), and no trap: the caller stops them with stop_cluster_pair.
start_cluster_pair() {
  local work=$1
  mkdir -p "$work" && chmod 755 "$work"
  SOURCE_PORT=$(PGFERRY_CLUSTER_OPTIONS="$SOURCE_CLUSTER_OPTIONS" scripts/pg-cluster.sh start "$work/source" auto "$2") || return 1
  TARGET_PORT=$(scripts/pg-cluster.sh start "$work/target" auto "$3") || return 1
}

# stop_cluster_pair WORKDIR SOURCE_BINDIR TARGET_BINDIR: stops both (if running) and removes WORKDIR.
stop_cluster_pair() {
  local side bindir
  for side in source target; do
    if [ "$side" = source ]; then bindir=$2; else bindir=$3; fi
    scripts/pg-cluster.sh stop "$1/$side" "$bindir"
    # A server still up after a fast shutdown (stuck backends) is stopped immediately.
    if [ -f "$1/$side/data/postmaster.pid" ]; then
      if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bindir/pg_ctl" -D "$1/$side/data" -m immediate -w stop >/dev/null 2>&1 || true
      else "$bindir/pg_ctl" -D "$1/$side/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    fi
  done
  rm -rf "$1"
}

# PGFERRY_BIN when set, else a debug build of pgferry (built now).
pgferry_binary() {
  if [ -n "${PGFERRY_BIN:-}" ]; then echo "$PGFERRY_BIN"; return; fi
  swift build --product pgferry >/dev/null && echo "$PWD/.build/debug/pgferry"
}

# A server started in the background sets server_pid; stop_server ends it (a start_clusters hook).
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
}
