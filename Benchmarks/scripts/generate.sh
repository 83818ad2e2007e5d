#!/usr/bin/env bash
# Creates database DB on the server named by PGHOST/PGPORT/PGUSER and fills it with the
# Queen-shaped benchmark dataset at SCALE (1 ~ 25 MB incl. indexes, 20k messages; linear).
#   Benchmarks/scripts/generate.sh SCALE DB
# Up to scale 40 this is Fixtures/queen/schema.sql + data.sql; above, data.sql runs at
# SCALE/copies and replicate.sql adds the copies (see there). Ends with VACUUM (FREEZE, ANALYZE)
# and CHECKPOINT so no method pays for hint bits or freezing on the source, and marks the
# database complete with a comment (run.sh reuses a complete dataset).
set -euo pipefail
scale=${1:?usage: generate.sh SCALE DB}
db=${2:?usage: generate.sh SCALE DB}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../../Fixtures/queen
psql=(psql -X -q -v ON_ERROR_STOP=1)

read -r copies base < <(python3 -c "import math,sys; s=float(sys.argv[1]); c=max(1, math.ceil(s/40)); print(c, s/c)" "$scale")

"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\""
"${psql[@]}" -d "$db" -f "$fixtures/schema.sql"
PGOPTIONS="-c pgferry.scale=$base -c pgferry.copies=$copies" \
  "${psql[@]}" -d "$db" -f "$fixtures/data.sql" -f "$here/replicate.sql" >/dev/null
"${psql[@]}" -d "$db" -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT" \
  -c "COMMENT ON DATABASE \"$db\" IS 'pgferry-bench dataset scale $scale complete'"
