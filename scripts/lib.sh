# Shared by scripts/test.sh and scripts/demo.sh: free ports and cluster lifecycles.

# A TCP port on 127.0.0.1 that nothing answers on.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# start_clusters WORKDIR: starts "source" and "target" clusters, sets SOURCE_PORT and TARGET_PORT,
# and stops them when the calling script exits.
start_clusters() {
  local work=$1
  mkdir -p "$work" && chmod 755 "$work"
  SOURCE_PORT=$(free_port)
  scripts/pg-cluster.sh start "$work/source" "$SOURCE_PORT"
  TARGET_PORT=$(free_port)
  while [ "$TARGET_PORT" = "$SOURCE_PORT" ]; do TARGET_PORT=$(free_port); done
  scripts/pg-cluster.sh start "$work/target" "$TARGET_PORT"
  trap "scripts/pg-cluster.sh stop '$work/source'; scripts/pg-cluster.sh stop '$work/target'; rm -rf '$work'" EXIT
}
