#!/usr/bin/env bash
# pgferry throughput benchmark (issue 5). One command, from the package root:
#
#   Benchmarks/run.sh [--scale S] [--rounds R] [--jobs N] [--methods a,b,c,d]
#                     [--memory-scales 5,20 | --no-memory-check] [--knobs | --statistics] [--postgres MAJOR]
#                     [--workdir DIR] [--keep] [--no-build | --pgferry PATH]
#   Benchmarks/run.sh --many-tables [N] | --partitions [N] [--rounds R] [--jobs N] [--methods a,b,d] [--workdir DIR] [--no-build]
#   Benchmarks/run.sh --follow [--rounds R] [--follow-options "…"] [--postgres MAJOR] [--workdir DIR] [--no-build]
#
# Builds pgferry in release, starts two throw-away PostgreSQL 15 clusters on 127.0.0.1 (normal
# durability) with scripts/pg-cluster.sh, generates the Queen-shaped dataset at scale S on the
# source (scripts/generate.sh; default 90 ~ 1.9 GB incl. indexes), then times on the same data, R
# rounds each (rounds interleaved, so a noisy minute hits every method), median reported:
#   a  Queen's pipe: drop+create schema, pg_dump -Fc -Z 0 --schema | pg_restore --schema (one stream)
#   b  pg_dump -Fd -Z 0 -j N to a directory, then pg_restore -j N
#   c  stock COPY pipes: pre-data with pg_restore, N tables at once as
#      psql COPY … TO STDOUT (FORMAT binary) | psql COPY … FROM STDIN (FORMAT binary),
#      post-data with pg_restore -j N
#   d  pgferry migrate --jobs N
# Every run starts from an empty target (schema dropped and CHECKPOINT, untimed) and is verified
# afterwards: per-table row counts, index and constraint counts equal to the source.
# Then the memory check runs pgferry on two more datasets (default scales 5 and 20) and reports
# its peak RSS for both. --knobs instead times pgferry variants (jobs, format, chunk and ring size);
# --statistics times its three --statistics modes (copy needs --postgres 18). --postgres MAJOR runs
# both servers (and pg_dump/pg_restore/psql) on that major, fetched by scripts/fetch-postgres.sh.
# --many-tables N (default 3000) and --partitions N (default 1000) time methods a, b and d on
# many small objects instead (issue 18; scripts/generate-many.py): N tables of 20 rows, each with
# a primary key, an index and a foreign key to the previous one (schema many), or one table
# list-partitioned into N partitions of 20 rows, an index and a foreign key on the parent
# (schema parts). The schema is created anew each time and the first thing timed is one "cold"
# pgferry run right after it (fresh catalog, nothing analyzed); pgferry's phase timings (from
# its --json) are reported for every pgferry run. Each run gets a new target database (a catalog
# that thousands of tables were created in and dropped from again and again slows every method). Results: results/many-tables.json
# and .svg, or results/partitions.json and .svg.
# --follow instead measures pgferry migrate --follow's apply against PostgreSQL's own logical
# replication (a subscription on the same kind of slot), on a queue-shaped schema with pgbench
# writing: the time to apply a paused backlog (rows/s) and the slot's lag under a rate-limited
# load; the source runs with wal_level = logical. Everything else is scripts/follow.py (its --help
# lists the options --follow-options passes on: --backlog, --rates, --lag-seconds, …); results in
# Benchmarks/results/follow.json.
# --pgferry PATH times that binary instead of building one; --pgferry-before PATH adds method e,
# that binary run as d is (a before/after pair in one run).
# Results: Benchmarks/results/latest.json and latest.svg (--knobs: knobs.json / knobs.svg;
# --statistics: statistics.json / statistics.svg), and a
# table on stdout. Servers are stopped on exit; the work directory (clusters, cached datasets,
# logs) is deleted unless --keep (a kept complete dataset is reused by the next run).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
scale=90
rounds=3
jobs=2
methods=a,b,c,d
memory_scales=5,20
knobs=0
statistics=0
follow=0
follow_options=
many=
many_shape=
command_line="Benchmarks/run.sh $*"
keep=0
build=1
workdir=${PGFERRY_BENCH_DIR:-/tmp/pgferry-bench}
bindir=/usr/lib/postgresql/15/bin
pgferry=
pgferry_before=

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --methods) methods=$2; shift 2 ;;
    --memory-scales) memory_scales=$2; shift 2 ;;
    --no-memory-check) memory_scales=; shift ;;
    --knobs) knobs=1; shift ;;
    --statistics) statistics=1; shift ;;
    --follow) follow=1; shift ;;
    --many-tables|--partitions)
      many_shape=${1#--}; many=$([ "$1" = --many-tables ] && echo 3000 || echo 1000); shift
      if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then many=$1; shift; fi
      methods=a,b,d; memory_scales= ;;
    --follow-options) follow_options=$2; shift 2 ;;
    --postgres) bindir=$("$root/scripts/fetch-postgres.sh" --bindir "$2"); shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-build) build=0; shift ;;
    --pgferry) build=0; pgferry=$2; shift 2 ;;
    --pgferry-before) pgferry_before=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

[ -n "$pgferry_before" ] && methods=$methods,e
export PATH="$bindir:$PATH"
mkdir -p "$workdir" "$here/results"
workdir=$(cd "$workdir" && pwd)
logs=$workdir/logs
mkdir -p "$logs"
raw=$workdir/raw.jsonl
: >"$raw"
schema=queen
case "$many_shape" in many-tables) schema=many ;; partitions) schema=parts ;; esac
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- build ------------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
  say "building pgferry (release)"
  (cd "$root" && swift build -c release --product pgferry) >"$logs/build.log" 2>&1 \
    || { tail -n 30 "$logs/build.log" >&2; exit 1; }
fi
pgferry=${pgferry:-$(cd "$root" && swift build -c release --show-bin-path 2>/dev/null)/pgferry}
[ -x "$pgferry" ] || { echo "run.sh: $pgferry not found (build first)" >&2; exit 1; }

# --- servers ----------------------------------------------------------------------------------
cleanup() {
  "$root/scripts/pg-cluster.sh" stop "$workdir/src" "$bindir" || true
  "$root/scripts/pg-cluster.sh" stop "$workdir/tgt" "$bindir" || true
  if [ "$keep" = 0 ]; then rm -rf "$workdir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -f "$workdir/src/data/postmaster.pid" ] && "$root/scripts/pg-cluster.sh" stop "$workdir/src" "$bindir"
[ -f "$workdir/tgt/data/postmaster.pid" ] && "$root/scripts/pg-cluster.sh" stop "$workdir/tgt" "$bindir"
# Follow mode decodes the source's WAL; the target keeps the defaults (its apply worker and
# pgferry's replication origin fit in them).
source_options=${PGFERRY_CLUSTER_OPTIONS:-}
[ "$follow" = 1 ] && source_options="$source_options -c wal_level=logical"
# Dropping a schema of thousands of tables takes a lock per object in one transaction: about
# 42 000 at 3 000 tables, past the default 64 × 200 connections (pgferry refuses such a run).
if [ -n "$many_shape" ]; then
  source_options="$source_options -c max_locks_per_transaction=256"
  export PGFERRY_CLUSTER_OPTIONS="${PGFERRY_CLUSTER_OPTIONS:-} -c max_locks_per_transaction=256"
fi
src_port=$(PGFERRY_CLUSTER_OPTIONS=$source_options "$root/scripts/pg-cluster.sh" start "$workdir/src" auto "$bindir")
tgt_port=$("$root/scripts/pg-cluster.sh" start "$workdir/tgt" auto "$bindir")
say "started the source cluster on 127.0.0.1:$src_port and the target on 127.0.0.1:$tgt_port"
# timed.py charges each run the CPU both servers spent meanwhile (see server_cpu_seconds there).
PGFERRY_BENCH_SERVER_PIDS="$(head -n 1 "$workdir/src/data/postmaster.pid") $(head -n 1 "$workdir/tgt/data/postmaster.pid")"
export PGFERRY_BENCH_SERVER_PIDS

export PGUSER=postgres PGHOST=127.0.0.1
src_psql() { local db=$1; shift; PGPORT=$src_port psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
tgt_psql() { PGPORT=$tgt_port psql -X -q -v ON_ERROR_STOP=1 -d bench "$@"; }
src_url() { echo "postgresql://postgres@127.0.0.1:$src_port/$1"; }
tgt_url="postgresql://postgres@127.0.0.1:$tgt_port/bench"
PGPORT=$tgt_port psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"

if [ "$follow" = 1 ]; then
  # shellcheck disable=SC2086  # --follow-options is a list of options
  python3 "$here/scripts/follow.py" --source-port "$src_port" --target-port "$tgt_port" --pgferry "$pgferry" \
    --rounds "$rounds" --json "$here/results/follow.json" --logs "$logs" --command "$command_line" $follow_options
  exit
fi

dataset() {  # dataset SCALE -> prints the database name, generating it unless a complete one exists
  local s=$1 db="queen_s${1//./_}"
  if [ "$(src_psql postgres -Atc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$db'")" \
       != "pgferry-bench dataset scale $s complete" ]; then
    say "generating the Queen-shaped dataset at scale $s (database $db)"
    PGPORT=$src_port "$here/scripts/generate.sh" "$s" "$db" >"$logs/generate-$s.log" 2>&1 \
      || { tail -n 20 "$logs/generate-$s.log" >&2; exit 1; }
  else
    say "reusing dataset $db"
  fi
  echo "$db"
}

# Per-table row counts, then index and constraint counts: equal text on both sides = verified.
# One query, each table counted through query_to_xml: a generated expression over thousands of
# tables would pass argv's and the server's stack depth limits.
fingerprint_sql="SELECT line FROM (
  SELECT 0 AS part, c.relname AS name, c.relname || ' ' || (xpath('/row/n/text()',
         query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS line
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$schema' AND c.relkind IN ('r', 'p')
  UNION ALL SELECT 1, '', 'indexes ' || (SELECT count(*) FROM pg_indexes WHERE schemaname = '$schema')
  UNION ALL SELECT 2, '', 'constraints ' || (SELECT count(*) FROM pg_constraint k JOIN pg_namespace s ON s.oid = k.connamespace WHERE s.nspname = '$schema')
  UNION ALL SELECT 3, '', 'triggers ' || (SELECT count(*) FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
                                           JOIN pg_namespace s ON s.oid = r.relnamespace WHERE s.nspname = '$schema' AND NOT t.tgisinternal)
) f ORDER BY part, name"
fingerprint_src() { src_psql "$1" -Atc "$fingerprint_sql"; }
fingerprint_tgt() { tgt_psql -Atc "$fingerprint_sql"; }

reset_target() {
  if [ -n "$many_shape" ]; then
    # A fresh database each run: creating and dropping thousands of tables again and again bloats
    # the catalog, and the next run paid for it (twice the server CPU by the second round).
    PGPORT=$tgt_port psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench" -c "CHECKPOINT"
  else
    tgt_psql -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "CHECKPOINT" 2>/dev/null
  fi
  rm -rf "$workdir/dump.d" "$workdir/schema.dump"
}

# --- methods ----------------------------------------------------------------------------------
# Each writes the command it times into a script, so timed.py measures exactly that.
method_script() {  # method_script KEY DB -> path of an executable script
  local key=$1 db=$2 script src
  script=$workdir/method-$(slug "$key").sh
  src=$(src_url "$db")
  {
    echo "#!/usr/bin/env bash"
    echo "set -euo pipefail"
    echo "export PATH='$bindir':\"\$PATH\""
    case "$key" in
      a)
        echo "psql -X -q -v ON_ERROR_STOP=1 -d '$tgt_url' -c 'DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema;'"
        echo "pg_dump --format=custom -Z 0 --schema=$schema --no-owner --no-privileges --dbname='$src' \\"
        echo "  | pg_restore --no-owner --no-privileges --exit-on-error --schema=$schema --dbname='$tgt_url'"
        ;;
      b)
        echo "pg_dump -Fd -Z 0 -j $jobs --schema=$schema --no-owner --no-privileges -f '$workdir/dump.d' --dbname='$src'"
        echo "pg_restore -j $jobs --no-owner --no-privileges --exit-on-error --dbname='$tgt_url' '$workdir/dump.d'"
        ;;
      c)
        echo "pg_dump -Fc --schema-only --schema=$schema --no-owner --no-privileges -f '$workdir/schema.dump' --dbname='$src'"
        echo "pg_restore --section=pre-data --no-owner --no-privileges --exit-on-error --dbname='$tgt_url' '$workdir/schema.dump'"
        echo "psql -X -At -d '$src' -c \"SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$schema' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC\" \\"
        echo "  | xargs -P $jobs -I{} bash -c 'set -o pipefail; psql -X -q -v ON_ERROR_STOP=1 -d \"\$0\" -c \"COPY {} TO STDOUT (FORMAT binary)\" | psql -X -q -v ON_ERROR_STOP=1 -d \"\$1\" -c \"COPY {} FROM STDIN (FORMAT binary)\"' '$src' '$tgt_url'"
        echo "pg_restore -j $jobs --section=post-data --no-owner --no-privileges --exit-on-error --dbname='$tgt_url' '$workdir/schema.dump'"
        ;;
      e)
        echo "rm -f '$logs/pgferry-last.json'"
        echo "exec '$pgferry_before' migrate --source '$src' --target '$tgt_url' --schema $schema --jobs $jobs --json >'$logs/pgferry-last.json'"
        ;;
      d*)
        # d, or d:<label>:<extra pgferry options> for --knobs variants
        local extra=${key#d}; extra=${extra#:}; extra=${extra#*:}
        echo "rm -f '$logs/pgferry-last.json'"
        echo "exec '$pgferry' migrate --source '$src' --target '$tgt_url' --schema $schema --jobs $jobs $extra --json >'$logs/pgferry-last.json'"
        ;;
    esac
  } >"$script"
  chmod +x "$script"
  echo "$script"
}

slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9=-' '_'; }

label_of() {
  case "$1" in
    a) echo "a: Queen pipe (pg_dump -Fc | pg_restore)" ;;
    b) echo "b: pg_dump -Fd -j $jobs + pg_restore -j $jobs" ;;
    c) echo "c: psql COPY binary pipes x$jobs" ;;
    d) echo "d: pgferry migrate --jobs $jobs" ;;
    e) echo "e: pgferry before, migrate --jobs $jobs" ;;
    d:*) local rest=${1#d:}; echo "pgferry ${rest%%:*}" ;;
  esac
}

run_method() {  # run_method KEY DB ROUND [LABEL-PREFIX]
  local key=$1 db=$2 round=$3 label script expected actual
  label=$(label_of "$key")
  script=$(method_script "$key" "$db")
  reset_target
  say "round $round: $label"
  if ! python3 "$here/scripts/timed.py" "$raw" "$label" "$round" -- "$script" >"$logs/run-$round-$(slug "$key").log" 2>&1; then
    tail -n 20 "$logs/run-$round-$(slug "$key").log" >&2
    echo "run.sh: $label failed in round $round" >&2
    exit 1
  fi
  expected=$(cat "$workdir/expected-$db.txt")
  actual=$(fingerprint_tgt)
  if [ "$expected" != "$actual" ]; then
    diff <(echo "$expected") <(echo "$actual") >&2 || true
    echo "run.sh: $label round $round: target does not match the source (row/index/constraint counts)" >&2
    exit 1
  fi
  python3 - "$raw" "$logs/pgferry-last.json" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
record = json.loads(lines[-1]); record["verified"] = True
if "pgferry" in record["method"]:  # its --json progress: phase timings
    try:
        record["phases"] = {p["phase"]: round(p["seconds"], 3) for p in json.load(open(sys.argv[2]))["phases"]}
    except (OSError, ValueError, KeyError):
        pass
lines[-1] = json.dumps(record)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
  tail -n 1 "$raw" >&2
}

dataset_meta() {  # dataset_meta DB -> JSON object
  src_psql "$1" -Atc "SELECT json_build_object('database', current_database(),
    'total_bytes', sum(pg_total_relation_size(c.oid)), 'table_bytes', sum(pg_table_size(c.oid)),
    'rows', sum(c.reltuples)::bigint, 'tables', count(*))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$schema' AND c.relkind = 'r'"
}

many_dataset() {  # many_dataset -> prints the database name; the schema is always created anew
  local db="${schema}_$many"
  say "creating schema $schema: $many_shape $many (database $db)"
  src_psql postgres -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\"" >&2
  python3 "$here/scripts/generate-many.py" "${many_shape#many-}" "$many" "$schema" \
    | src_psql "$db" -f - >"$logs/generate-$db.log" 2>&1 || { tail -n 20 "$logs/generate-$db.log" >&2; exit 1; }
  echo "$db"
}

# --- main run ---------------------------------------------------------------------------------
if [ -n "$many_shape" ]; then db=$(many_dataset); else db=$(dataset "$scale"); fi
fingerprint_src "$db" >"$workdir/expected-$db.txt"
meta=$(dataset_meta "$db")
if [ -n "$many_shape" ]; then  # nothing is analyzed yet (reltuples -1): the rows counted for the fingerprint
  meta=$(python3 -c 'import json, sys; m = json.loads(sys.argv[1]); m["rows"] = sum(int(l.split()[1]) for l in open(sys.argv[2]) if len(l.split()) == 2 and not l.startswith(("indexes", "constraints", "triggers"))); print(json.dumps(m))' "$meta" "$workdir/expected-$db.txt")
fi
say "dataset: $meta"

if [ -n "$many_shape" ]; then
  # The cold run first, before anything reads the new catalog; its figures stay apart (round "cold").
  run_method d "$db" cold
  rm -f "$workdir/dump.d"
  IFS=, read -r -a variants <<<"$methods"
  out=$many_shape
  scale="$many_shape $many"
elif [ "$knobs" = 1 ]; then
  variants=(
    "d:defaults (jobs $jobs, format auto = binary here, chunk 128K, ring 1M, no slicing, ANALYZE):"
    "d:slicing from 256 MB:--slice-min-size 268435456"
    "d:no ANALYZE:--no-analyze"
    "d:ring=4M:--ring-size 4194304"
    "d:format=text:--format text"
    "d:jobs=1:--jobs 1"
    "d:jobs=4:--jobs 4"
    "d:chunk=16K:--chunk-size 16384"
    "d:chunk=1M:--chunk-size 1048576"
    "d:ring=512K:--ring-size 524288"
    "d:ring=32M:--ring-size 33554432"
  )
  out=knobs
elif [ "$statistics" = 1 ]; then
  variants=(
    "d:statistics copy (the source's, restored):--statistics copy"
    "d:statistics analyze (ANALYZE each table):--statistics analyze"
    "d:statistics none:--statistics none"
  )
  out=statistics
else
  IFS=, read -r -a variants <<<"$methods"
  out=latest
fi

for round in $(seq 1 "$rounds"); do
  for key in "${variants[@]}"; do
    run_method "$key" "$db" "$round"
  done
done

memory='[]'
if [ "$knobs" = 0 ] && [ "$statistics" = 0 ] && [ -n "$memory_scales" ]; then
  IFS=, read -r -a mscales <<<"$memory_scales"
  mem_raw=$workdir/memory.jsonl
  : >"$mem_raw"
  for s in "${mscales[@]}"; do
    mdb=$(dataset "$s")
    fingerprint_src "$mdb" >"$workdir/expected-$mdb.txt"
    saved=$raw; raw=$mem_raw
    run_method d "$mdb" "$s"
    raw=$saved
    src_psql "$mdb" -Atc "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$schema' AND c.relkind = 'r'" \
      >"$workdir/memory-bytes-$s.txt"
  done
  memory=$(python3 - "$mem_raw" "$workdir" <<'EOF'
import json, sys
out = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    s = r["round"]
    out.append({"scale": s, "dataset_bytes": int(open(f"{sys.argv[2]}/memory-bytes-{s}.txt").read()),
                "wall_s": r["wall_s"], "peak_rss_kib": r["peak_rss_kib"],
                "cpu_s": round(r["cpu_user_s"] + r["cpu_sys_s"], 3)})
print(json.dumps(out))
EOF
)
fi

python3 "$here/scripts/report.py" --raw "$raw" --dataset "$meta" --scale "$scale" --jobs "$jobs" --rounds "$rounds" \
  --memory "$memory" --json "$here/results/$out.json" --svg "$here/results/$out.svg"
