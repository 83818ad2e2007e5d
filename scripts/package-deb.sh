#!/usr/bin/env bash
# Builds dist/pgferry_VERSION_DEBARCH.deb from the tarball's staging folder (scripts/package.sh --deb
# calls it): the binary in /usr/bin, the manual page, bash/zsh/fish completions, README, copyright.
#   scripts/package-deb.sh STAGING VERSION GLIBC_SYMBOL_VERSION MTIME    prints the .deb's path
# Depends: libpq5 (the one library beyond the base system), and the glibc the binary needs.
set -euo pipefail
cd "$(dirname "$0")/.."
staging=$1 version=$2 glibc=$3 mtime=$4
command -v dpkg-deb >/dev/null || { echo "package: dpkg-deb is missing (a Debian or Ubuntu machine builds the .deb)" >&2; exit 1; }

debarch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -D -m 755 "$staging/pgferry" "$root/usr/bin/pgferry"
install -d -m 755 "$root/usr/share/man/man1"
gzip -n -9 -c "$staging/pgferry.1" >"$root/usr/share/man/man1/pgferry.1.gz"
install -D -m 644 "$staging/completions/pgferry.bash" "$root/usr/share/bash-completion/completions/pgferry"
install -D -m 644 "$staging/completions/_pgferry" "$root/usr/share/zsh/vendor-completions/_pgferry"
install -D -m 644 "$staging/completions/pgferry.fish" "$root/usr/share/fish/vendor_completions.d/pgferry.fish"
install -D -m 644 "$staging/README.md" "$root/usr/share/doc/pgferry/README.md"
# Debian keeps the Apache-2.0 text in common-licenses; the copyright file points there.
cat >"$root/usr/share/doc/pgferry/copyright" <<'COPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: pgferry

Files: *
Copyright: the pgferry developers
License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
COPYRIGHT
chmod 644 "$root/usr/share/doc/pgferry/copyright"

install -d -m 755 "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: pgferry
Version: $version
Architecture: $debarch
Maintainer: pgferry developers <pgferry@localhost>
Depends: libc6 (>= ${glibc#GLIBC_}), libstdc++6 (>= 12), libpq5
Section: database
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Description: move a PostgreSQL schema and its data between servers with libpq alone
 pgferry regenerates a schema's DDL from the source catalog and streams every table
 COPY to COPY through bounded memory, several tables at once from one snapshot; it can
 keep the target in step with a live source and cut over. Command line, HTTP API with a
 dashboard (pgferry serve); no pg_dump, pg_restore or psql needed.
CONTROL

# Same commit, same bytes: every mtime clamped to the commit's, root-owned files.
deb="dist/pgferry_${version}_${debarch}.deb"
find "$root" -exec touch -h -d "$mtime" {} +
SOURCE_DATE_EPOCH=$(date -d "$mtime" +%s) dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
