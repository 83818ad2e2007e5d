#!/usr/bin/env bash
# Proves the release tarball on a machine that has neither the Swift toolchain nor any
# PostgreSQL client binary: a minimal Debian root (debootstrap --variant=minbase + libpq5, cached
# in .cache/artifact-root/), the tarball unpacked into it, and from inside it (chroot as nobody,
# empty environment, same network) pgferry --version, migrate, validate and serve against two
# throw-away servers of this machine, /health fetched with curl from outside. Then the .deb:
# installed with dpkg -i in a copy of the root, its manual page and completions in place, and a
# migration run from /usr/bin/pgferry.
#   scripts/artifact-test.sh                 builds (or reuses) both with scripts/package.sh --deb
#   PGFERRY_TARBALL=x.tar.gz [PGFERRY_DEB=x.deb] scripts/...   tests those instead
# Needs root (debootstrap, chroot, mount namespace). Prints "artifact-test: N passed, M failed"
# last and exits non-zero on any failure.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/.." && pwd)
cd "$root_dir"
source scripts/lib.sh
[ "$(id -u)" = 0 ] || { echo "artifact-test: needs root (debootstrap, chroot, unshare)" >&2; exit 1; }
began=$(date +%s)
step_start=$began
timings=()
timed() { local now; now=$(date +%s); timings+=("$1 $(( now - step_start )) s"); step_start=$now; }

passed=0; failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/     | /' <<<"$2"; }

# --- the artifact -----------------------------------------------------------------------------
if [ -n "${PGFERRY_TARBALL:-}" ]; then
  tarball=$PGFERRY_TARBALL
  deb=${PGFERRY_DEB:-}
  expected_commit=""
else
  mkdir -p "$root_dir/.cache"
  scripts/package.sh --deb 2>&1 | grep -vE "unhandled; explicitly declare|/CMakeLists.txt$" | tee "$root_dir/.cache/package.log"
  tarball=$(tail -n 2 "$root_dir/.cache/package.log" | grep '\.tar\.gz$' || true)
  deb=$(tail -n 1 "$root_dir/.cache/package.log" | grep '\.deb$' || true)
  [ -n "$deb" ] || { echo "artifact-test: scripts/package.sh --deb built no .deb" >&2; exit 1; }
  expected_commit=$(git rev-parse --short=12 HEAD)
fi
[ -f "$tarball" ] || { echo "artifact-test: no tarball at $tarball" >&2; exit 1; }
if [ -f "$tarball.sha256" ]; then
  if out=$(cd "$(dirname "$tarball")" && sha256sum -c "$(basename "$tarball").sha256" 2>&1); then
    pass "the tarball matches its .sha256"
  else fail "the tarball does not match its .sha256" "$out"; fi
fi
timed package

# --- the minimal root -------------------------------------------------------------------------
# The host's Debian release (its glibc is the one the binary was linked against) and the mirror
# apt already uses.
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)
[ -n "$mirror" ] || mirror=$(grep -hsE '^deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | sed -E 's/\[[^]]*\]//' | awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)
# No mirror of our own choosing: only the one apt is configured with.
[ -n "$mirror" ] || { echo "artifact-test: apt's sources (/etc/apt/sources.list, /etc/apt/sources.list.d/) name no Debian archive (a URI ending in /debian); configure one for debootstrap to use" >&2; exit 1; }
recipe="debootstrap --variant=minbase --include=libpq5 $suite $mirror"
minroot=$root_dir/.cache/artifact-root/$suite-minbase-libpq5
# Removes a (partial) root: first anything debootstrap left mounted in it, and never across a mount.
remove_root() {
  [ -e "$1" ] || return 0
  awk -v root="$1/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n 1 umount -l || true
  rm -rf --one-file-system "$1"
}
if [ "$(cat "$minroot.recipe" 2>/dev/null)" != "$recipe" ] || [ ! -x "$minroot/bin/sh" ]; then
  command -v debootstrap >/dev/null || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  }
  echo "artifact-test: $recipe (cached in ${minroot#"$root_dir"/})"
  remove_root "$minroot"; remove_root "$minroot.tmp"; rm -f "$minroot.recipe"
  mkdir -p "$(dirname "$minroot")"
  # One retry: a mirror hiccup should not fail CI.
  for attempt in 1 2; do
    debootstrap --variant=minbase --include=libpq5 "$suite" "$minroot.tmp" "$mirror" >"$minroot.log" 2>&1 && break
    tail -n 20 "$minroot.log" >&2
    remove_root "$minroot.tmp"
    [ "$attempt" = 1 ] || { echo "artifact-test: debootstrap failed twice (log: $minroot.log)" >&2; exit 1; }
    echo "artifact-test: debootstrap failed; retrying once" >&2
  done
  mkdir -p "$minroot.tmp/opt/pgferry"
  mv "$minroot.tmp" "$minroot"
  echo "$recipe" >"$minroot.recipe"
fi
timed "minimal root"

# --- servers and fixture (this machine's PostgreSQL, outside the root) ------------------------
scripts/install-deps.sh
PGFERRY_CLUSTER_FAST=1 start_clusters "$(mktemp -d /tmp/pgferry-artifact.XXXXXX)" stop_server
work=$CLUSTERS_DIR
host_psql() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
host_psql -p "$SOURCE_PORT" -d postgres -c "CREATE DATABASE queen"
host_psql -p "$TARGET_PORT" -d postgres -c "CREATE DATABASE queen"
host_psql -p "$SOURCE_PORT" -d queen -f Fixtures/queen/schema.sql >/dev/null
host_psql -p "$SOURCE_PORT" -d queen -f Fixtures/queen/data.sql >/dev/null
SOURCE_URL="postgresql://postgres@127.0.0.1:$SOURCE_PORT/queen"
TARGET_URL="postgresql://postgres@127.0.0.1:$TARGET_PORT/queen"

mkdir -p "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
package_dir=$(echo "$work"/unpacked/pgferry-*)
[ -x "$package_dir/pgferry" ] || { echo "artifact-test: no pgferry in $tarball" >&2; exit 1; }
timed "servers and fixture"

# in_root [NAME=VALUE…] COMMAND…: runs COMMAND in the minimal root, in a mount namespace of its
# own (the unpacked tarball at /opt/pgferry, read-only, plus /proc and /sys, gone when it ends),
# as nobody, with nothing in the environment but PATH, HOME, LANG and the NAME=VALUEs.
# IN_ROOT_USER=0:0 runs it as root (to query dpkg), IN_ROOT_DIR=DIR in another root than the
# minimal one. In the background, IN_ROOT_EXEC=1 makes the job's pid COMMAND's own (every step
# execs), so a kill of $! reaches it.
in_root() {
  ${IN_ROOT_EXEC:+exec} unshare --mount --propagation private -- /bin/bash -c '
    set -e
    root=$1 package=$2 user=$3; shift 3
    mount --bind "$package" "$root/opt/pgferry"
    mount -o remount,bind,ro "$root/opt/pgferry"
    mount -t proc proc "$root/proc"
    mount -t sysfs -o ro sysfs "$root/sys"
    exec chroot --userspec="$user" "$root" /usr/bin/env -i \
      PATH=/opt/pgferry:/usr/local/bin:/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8 "$@"
  ' in_root "${IN_ROOT_DIR:-$minroot}" "$package_dir" "${IN_ROOT_USER:-65534:65534}" "$@"
}

# --- what the root has and lacks --------------------------------------------------------------
out=$(IN_ROOT_USER=0:0 in_root /bin/sh -c '
  for tool in swift swiftc psql pg_dump pg_restore pg_dumpall pg_ctl initdb pg_config; do
    command -v "$tool" && echo "present: $tool"
  done
  for dir in /opt/swift /usr/lib/postgresql /usr/share/postgresql /usr/include/postgresql; do
    [ -e "$dir" ] && echo "present: $dir"
  done
  dpkg-query -W -f "\${Package}\n" | grep -E "postgres|libpq|swift|libicu" | sed "s/^/package: /"
  true' 2>&1)
if [ "$(grep -c '^present:' <<<"$out")" = 0 ] && [ "$(grep '^package:' <<<"$out")" = "package: libpq5" ]; then
  pass "the root has no swift, psql, pg_dump, pg_restore or toolchain; of PostgreSQL only libpq5"
else fail "the root is not minimal" "$out"; fi
libpq_package=$(IN_ROOT_USER=0:0 in_root dpkg-query -W -f '${Version}' libpq5)

out=$(in_root /bin/sh -c 'cd /opt/pgferry && sha256sum -c SHA256SUMS && ldd /opt/pgferry/pgferry' 2>&1) || true
if grep -q 'pgferry: OK' <<<"$out" && grep -q 'libpq.so.5 => /lib/' <<<"$out" \
   && ! grep -qiE 'not found|swift|FAILED' <<<"$out" \
   && [ "$(grep -cE '^(LICENSE|pgferry\.1|completions/(pgferry\.bash|_pgferry|pgferry\.fish)): OK$' <<<"$out")" = 5 ]; then
  pass "unpacked in the root: checksums OK (LICENSE, manual page, completions too), every library resolves there, no Swift runtime"
else fail "the unpacked binary" "$out"; fi

# --- pgferry from inside the root -------------------------------------------------------------
version=$(in_root pgferry --version 2>&1) || true
echo "     $version"
pattern='^pgferry [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{12}(-dirty)?, libpq [0-9]+\.[0-9]+\)$'
if [[ $version =~ $pattern ]] && [[ $version == *"libpq ${libpq_package%%-*})" ]] \
   && { [ -z "$expected_commit" ] || [[ $version == *"commit $expected_commit"* ]]; }; then
  pass "--version names the version, the commit${expected_commit:+ ($expected_commit)} and the root's libpq (${libpq_package%%-*})"
else fail "--version: expected the commit ${expected_commit:-…} and libpq ${libpq_package%%-*}" "$version"; fi

if out=$(in_root PGFERRY_SOURCE_URL="$SOURCE_URL" PGFERRY_TARGET_URL="$TARGET_URL" \
         pgferry migrate --schema queen 2>&1); then
  pass "migrate --schema queen"
else fail "migrate --schema queen" "$out"; fi

if out=$(in_root PGFERRY_SOURCE_URL="$SOURCE_URL" PGFERRY_TARGET_URL="$TARGET_URL" \
         pgferry validate --schema queen --checksums --json 2>&1) \
   && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["allMatch"] and len(d["tables"]) == 20 else 1)' "$out"; then
  pass "validate --checksums: 20 tables match"
else fail "validate --checksums" "$out"; fi

# Independent of pgferry: every table's row count, read with this machine's psql on both sides.
counts_sql="SELECT string_agg(format('%s=%s', c.relname, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text), ' ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'queen' AND c.relkind = 'r'"
source_counts=$(host_psql -p "$SOURCE_PORT" -d queen -At -c "$counts_sql")
target_counts=$(host_psql -p "$TARGET_PORT" -d queen -At -c "$counts_sql" 2>&1 || true)
if [ -n "$source_counts" ] && [ "$source_counts" = "$target_counts" ]; then
  pass "the target's row counts equal the source's (read with psql outside the root)"
else fail "row counts differ" "source: $source_counts"$'\n'"target: $target_counts"; fi

# `pgferry serve` started exactly as the Dockerfile's ENTRYPOINT starts it.
dockerfile_array() {  # the JSON array of the Dockerfile's ENTRYPOINT, or of HEALTHCHECK's CMD, NUL-separated
  python3 -c '
import json, re, sys
text = re.sub(r"\\\n", " ", open("Dockerfile").read())
for line in text.splitlines():
    if line.startswith(sys.argv[1] + " "):
        rest = line[len(sys.argv[1]):]
        if sys.argv[1] == "HEALTHCHECK":
            rest = rest.split(" CMD ", 1)[1]
        sys.stdout.write("".join(arg + "\0" for arg in json.loads(rest)))
' "$1"
}
mapfile -d '' entrypoint < <(dockerfile_array ENTRYPOINT)
mapfile -d '' healthcheck < <(dockerfile_array HEALTHCHECK)
[ "${#entrypoint[@]}" -gt 0 ] && [ "${#healthcheck[@]}" -gt 0 ] \
  || { echo "artifact-test: no ENTRYPOINT or HEALTHCHECK array in the Dockerfile" >&2; exit 1; }

server_port=$(free_port)
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
IN_ROOT_EXEC=1 in_root PGFERRY_LISTEN="127.0.0.1:$server_port" PGFERRY_ADMIN_TOKEN="$token" \
  PG_HOST=127.0.0.1 PG_PORT="$SOURCE_PORT" PG_DB=queen PG_USER=postgres \
  "${entrypoint[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
health=""
for _ in $(seq 1 100); do
  health=$(curl -fsS "http://127.0.0.1:$server_port/health" 2>/dev/null) && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["status"] == "ok" else 1)' "$health" 2>/dev/null \
   && [[ $(readlink "/proc/$server_pid/exe") == */pgferry ]]; then
  pass "serve (the Dockerfile's ENTRYPOINT) in the root; curl /health from outside: $health"
else fail "serve: no healthy /health from pid $server_pid ($(readlink "/proc/$server_pid/exe"))" "$(cat "$work/server.log")"; fi

target_json="{\"host\":\"127.0.0.1\",\"port\":$TARGET_PORT,\"database\":\"queen\",\"user\":\"postgres\"}"
out=$(curl -sS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  "http://127.0.0.1:$server_port/api/v1/migration/test-connection" -d "$target_json" 2>&1 || true)
if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["success"] and d["version"].startswith("PostgreSQL") else 1)' "$out" 2>/dev/null; then
  pass "serve: test-connection to the target through the root's libpq"
else fail "serve: test-connection" "$out"; fi

if out=$(in_root PGFERRY_LISTEN="127.0.0.1:$server_port" "${healthcheck[@]}" 2>&1); then
  pass "the Dockerfile's HEALTHCHECK command succeeds in the root (bash, no curl)"
else fail "the Dockerfile's HEALTHCHECK command" "$out"; fi

kill -TERM "$server_pid" 2>/dev/null || true
code=0; wait "$server_pid" 2>/dev/null || code=$?
server_pid=""
if [ "$code" = 0 ] || [ "$code" = 143 ]; then pass "serve ends on SIGTERM (exit $code)"
else fail "serve exit $code on SIGTERM" "$(tail -n 20 "$work/server.log")"; fi
if in_root PGFERRY_LISTEN="127.0.0.1:$server_port" "${healthcheck[@]}" >/dev/null 2>&1; then
  fail "the HEALTHCHECK command succeeds with no server listening"
else pass "the HEALTHCHECK command fails once the server is gone"; fi

# The image's default address with no admin auth configured: refused at start, never served open.
IN_ROOT_EXEC=1 in_root PGFERRY_LISTEN="0.0.0.0:$(free_port)" PG_HOST=127.0.0.1 PG_PORT="$SOURCE_PORT" \
  "${entrypoint[@]}" >"$work/refusal.log" 2>&1 &
refusal_pid=$!
for _ in $(seq 1 100); do kill -0 "$refusal_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$refusal_pid" 2>/dev/null; then
  kill -TERM "$refusal_pid"; wait "$refusal_pid" 2>/dev/null || true
  fail "the ENTRYPOINT served 0.0.0.0 without admin auth" "$(cat "$work/refusal.log")"
else
  code=0; wait "$refusal_pid" || code=$?
  if [ "$code" != 0 ] && grep -q "without admin auth" "$work/refusal.log"; then pass "the ENTRYPOINT refuses 0.0.0.0 without admin auth (exit $code): $(tail -n 1 "$work/refusal.log")"
  else fail "the ENTRYPOINT on 0.0.0.0 without auth: exit $code, no refusal" "$(cat "$work/refusal.log")"; fi
fi
timed "tests in the root"

# --- the .deb, installed in a copy of the root -----------------------------------------------
if [ -n "$deb" ]; then
  debroot=$work/debroot
  cp -a "$minroot" "$debroot"
  cp "$deb" "$debroot/tmp/pgferry.deb"
  sbin=PATH=/usr/sbin:/usr/bin:/sbin:/bin  # root's PATH: dpkg runs ldconfig
  if out=$(IN_ROOT_DIR=$debroot IN_ROOT_USER=0:0 in_root $sbin dpkg -i /tmp/pgferry.deb 2>&1); then
    pass "dpkg -i $(basename "$deb") in the root (Depends met by libpq5 and the base system)"
  else fail "dpkg -i $(basename "$deb")" "$out"; fi
  out=$(IN_ROOT_DIR=$debroot IN_ROOT_USER=0:0 in_root /bin/sh -c '
    dpkg -L pgferry
    zcat /usr/share/man/man1/pgferry.1.gz | grep -c "^\.Sh" | sed "s/^/man sections: /"
    bash -c ". /usr/share/bash-completion/completions/pgferry && complete -p pgferry"' 2>&1) || true
  if grep -qx /usr/bin/pgferry <<<"$out" && grep -qx /usr/share/man/man1/pgferry.1.gz <<<"$out" \
     && grep -qx /usr/share/zsh/vendor-completions/_pgferry <<<"$out" \
     && grep -qx /usr/share/fish/vendor_completions.d/pgferry.fish <<<"$out" \
     && grep -qx /usr/share/doc/pgferry/copyright <<<"$out" \
     && grep -qE '^man sections: [1-9]' <<<"$out" && grep -q 'complete .* pgferry$' <<<"$out"; then
    pass "the .deb installs the binary, a manual page ($(grep '^man sections' <<<"$out")), bash/zsh/fish completions and the copyright"
  else fail "the .deb's files" "$out"; fi
  deb_version=$(IN_ROOT_DIR=$debroot in_root /usr/bin/pgferry --version 2>&1) || true
  if [ "$deb_version" = "$version" ]; then pass "/usr/bin/pgferry --version: the same build as the tarball's"
  else fail "/usr/bin/pgferry --version" "$deb_version"; fi
  if out=$(IN_ROOT_DIR=$debroot in_root PGFERRY_SOURCE_URL="$SOURCE_URL" PGFERRY_TARGET_URL="$TARGET_URL" \
           /usr/bin/pgferry migrate --schema queen --validate 2>&1); then
    pass "migrate --schema queen --validate from the installed .deb"
  else fail "migrate from the installed .deb" "$out"; fi
  if out=$(IN_ROOT_DIR=$debroot IN_ROOT_USER=0:0 in_root $sbin /bin/sh -c 'dpkg -r pgferry && ! test -e /usr/bin/pgferry' 2>&1); then
    pass "dpkg -r removes it"
  else fail "dpkg -r pgferry" "$out"; fi
  rm -rf --one-file-system "$debroot"
  timed ".deb"
fi

echo "artifact-test: times: $(printf '%s, ' "${timings[@]}")total $(( $(date +%s) - began )) s"
echo "artifact-test: $passed passed, $failed failed"
[ "$failed" = 0 ]
