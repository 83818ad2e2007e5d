# pgferry serve in a slim container: Debian's libpq5, the release binary from scripts/package.sh,
# a non-root user, a health check on /health. No toolchain, no PostgreSQL client binaries.
#   scripts/package.sh && docker build -t pgferry .
#   docker run -p 8080:8080 -e PGFERRY_ADMIN_TOKEN=… -e PGFERRY_SOURCE_URL=postgresql://… pgferry
# Configured by environment variables: PGFERRY_LISTEN (default 0.0.0.0:8080), the source
# (PGFERRY_SOURCE_URL, or Queen's PG_HOST/PG_PORT/PG_DB/PG_USER/PG_PASSWORD/PG_USE_SSL, or libpq's
# PG*), admin auth (PGFERRY_ADMIN_TOKEN and/or PGFERRY_JWT_SECRET; required off loopback, so
# without one the container refuses to start). Extra arguments after the image name go to
# `pgferry serve` (e.g. --jobs 4); `--entrypoint pgferry` runs any other command.
# The base must be the Debian release the binary was built on, or newer (glibc): bookworm here.

FROM debian:bookworm-slim AS unpack
WORKDIR /dist
COPY dist/ /dist/
RUN set -eu; \
    arch=$(uname -m); \
    set -- /dist/pgferry-*-linux-"$arch".tar.gz; \
    if [ "$#" != 1 ] || [ ! -f "$1" ]; then \
      echo "dist/ must hold exactly one pgferry-*-linux-$arch.tar.gz: run scripts/package.sh" >&2; exit 1; \
    fi; \
    sha256sum -c "$(basename "$1").sha256"; \
    mkdir /unpacked; \
    tar -xzf "$1" -C /unpacked --strip-components=1
WORKDIR /unpacked
RUN sha256sum -c SHA256SUMS

FROM debian:bookworm-slim
# libpq5 unpinned on purpose: Debian's security updates of libpq and OpenSSL should land on rebuild.
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq5 ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && useradd --user-group --uid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin pgferry
COPY --from=unpack /unpacked/pgferry /usr/local/bin/pgferry
COPY --from=unpack /unpacked/README.md /unpacked/LICENSE /usr/share/doc/pgferry/
COPY --from=unpack /unpacked/pgferry.1 /usr/share/man/man1/pgferry.1
COPY --from=unpack /unpacked/completions/pgferry.bash /usr/share/bash-completion/completions/pgferry
USER 10001:10001
ENV PGFERRY_LISTEN=0.0.0.0:8080
EXPOSE 8080
# bash's /dev/tcp instead of curl, which the slim base lacks; scripts/artifact-test.sh runs this command.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["bash", "-c", "host=${PGFERRY_LISTEN%:*}; case $host in 0.0.0.0|'') host=127.0.0.1;; esac; exec 3<>/dev/tcp/$host/${PGFERRY_LISTEN##*:} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/bin/sh", "-c", "exec pgferry serve --listen \"$PGFERRY_LISTEN\" \"$@\"", "pgferry"]
