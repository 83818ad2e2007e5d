#!/usr/bin/env bash
# Installs what building and testing pgferry needs on Debian/Ubuntu, if it is missing:
# libpq (headers + pkg-config) to build, PostgreSQL server binaries for the throw-away test
# clusters, and pg_dump, which the tests use as a fidelity oracle (never at run time).
set -euo pipefail

missing=()
pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev pkg-config)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
# The PyPI server builds of the version matrix link uuid-ossp against OSSP uuid.
ldconfig -p 2>/dev/null | grep -q 'libossp-uuid\.so\.16' || missing+=(libossp-uuid16)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${missing[*]} (run as root or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian's postgresql package starts a cluster of its own; pgferry's tests don't use it.
  command -v pg_ctlcluster >/dev/null 2>&1 && { service postgresql stop >/dev/null 2>&1 || true; }
fi
