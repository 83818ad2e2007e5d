#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL cluster on 127.0.0.1 (tests, demo, benchmark).
#   scripts/pg-cluster.sh start DIR PORT [BINDIR]   initdb (if DIR is new) and start; superuser "postgres", trust auth
#   scripts/pg-cluster.sh start DIR auto [BINDIR]   the same on a free port, printed and written to DIR/port
#   scripts/pg-cluster.sh stop DIR [BINDIR]
# BINDIR defaults to the newest /usr/lib/postgresql/*/bin. Runs the server as "postgres" when
# invoked as root (initdb refuses root). PGFERRY_CLUSTER_FAST=1 turns durability off (tests only).
# The role pgferry_password_user must log in with a password (scram), everyone else is trusted.
# PGFERRY_CLUSTER_LISTEN=ADDR[/BITS] listens on ADDR instead of 127.0.0.1 and trusts ADDR/BITS
# (default /32) too, set when the cluster is created (scripts/network-drop-test.sh: a server in a
# network namespace behind a veth pair).
# PGFERRY_CLUSTER_OPTIONS adds server options at every start, e.g. "-c wal_level=logical" (a source
# that follow mode can stream from; scripts/lib.sh starts every source cluster so).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command=${1:?usage: pg-cluster.sh start DIR PORT|auto [BINDIR] | stop DIR [BINDIR]}
dir=${2:?data directory required}
listen=${PGFERRY_CLUSTER_LISTEN:-127.0.0.1}
listen_address=${listen%%/*}
default_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    port=${3:?port required}
    bindir=${4:-$(default_bindir)}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
host all pgferry_password_user 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
HBA
      if [ "$listen" != 127.0.0.1 ]; then
        case $listen in */*) echo "host all all $listen trust" ;; *) echo "host all all $listen/32 trust" ;; esac >>"$dir/data/pg_hba.conf"
      fi
    fi
    start_on() {
      # Slots and senders beyond the default 10: tests run follow modes side by side, and every
      # replication origin on a target takes a slot too.
      local options="-p $1 -k $dir -c listen_addresses=$listen_address -c max_connections=200 -c max_wal_size=4GB"
      options="$options -c max_replication_slots=40 -c max_wal_senders=40"
      if [ "${PGFERRY_CLUSTER_FAST:-0}" = 1 ]; then
        options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
      fi
      options="$options ${PGFERRY_CLUSTER_OPTIONS:-}"
      rm -f "$dir/server.log"
      as_owner "$bindir/pg_ctl" -D "$dir/data" -o "$options" -l "$dir/server.log" -w -t 60 start >/dev/null
    }
    if [ "$port" != auto ]; then
      start_on "$port" || { cat "$dir/server.log" >&2; exit 1; }
      exit 0
    fi
    # Another process on a shared machine can bind the port between free_port's probe and the
    # server's bind: that start is retried on another port.
    for _ in 1 2 3 4 5 6 7 8; do
      port=$(free_port)
      if start_on "$port"; then echo "$port" | tee "$dir/port"; exit 0; fi
      grep -q "Address already in use" "$dir/server.log" || break
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
  stop)
    bindir=${3:-$(default_bindir)}
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *)
    echo "usage: pg-cluster.sh start DIR PORT|auto [BINDIR] | stop DIR [BINDIR]" >&2
    exit 2
    ;;
esac
