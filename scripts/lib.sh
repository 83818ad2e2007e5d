# Shared by the scripts that start throw-away servers: free ports and cluster lifecycles.

# A TCP port on 127.0.0.1 that nothing answers on.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
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
  SOURCE_PORT=$(free_port)
  scripts/pg-cluster.sh start "$CLUSTERS_DIR/source" "$SOURCE_PORT"
  TARGET_PORT=$(free_port)
  while [ "$TARGET_PORT" = "$SOURCE_PORT" ]; do TARGET_PORT=$(free_port); done
  scripts/pg-cluster.sh start "$CLUSTERS_DIR/target" "$TARGET_PORT"
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
  start_cluster_retrying "$work/source" "$2" || return 1
  SOURCE_PORT=$CLUSTER_PORT
  start_cluster_retrying "$work/target" "$3" "$SOURCE_PORT" || return 1
  TARGET_PORT=$CLUSTER_PORT
}

# start_cluster_retrying DIR BINDIR [PORT_TO_AVOID]: starts a cluster on a free port, sets
# CLUSTER_PORT. Other processes on a shared machine can take the port between free_port's check
# and the server's bind ("Address already in use"), so a failed start is retried on a new port.
start_cluster_retrying() {
  local attempt
  for attempt in 1 2 3 4 5; do
    CLUSTER_PORT=$(free_port)
    while [ "$CLUSTER_PORT" = "${3:-}" ]; do CLUSTER_PORT=$(free_port); done
    if scripts/pg-cluster.sh start "$1" "$CLUSTER_PORT" "$2" 2>"$1.start.log"; then return 0; fi
    grep -q "Address already in use" "$1.start.log" || { cat "$1.start.log" >&2; return 1; }
  done
  cat "$1.start.log" >&2
  return 1
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
