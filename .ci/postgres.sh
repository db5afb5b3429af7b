#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the test suites and prints the
# admin URL the tests read from ROUNDUP_TEST_DATABASE_URL:
#
#   export ROUNDUP_TEST_DATABASE_URL="$(.ci/postgres.sh)"
#
# Installs Debian's postgresql package when its binaries are missing. The cluster lives in
# $PGTEST_DIR (default /tmp/roundup-pgtest) and listens on $PGTEST_PORT (default 54329);
# running the script again reuses a cluster that is already up. `.ci/postgres.sh stop` stops it.
set -euo pipefail
dir="${PGTEST_DIR:-/tmp/roundup-pgtest}"
port="${PGTEST_PORT:-54329}"

bindir=""
find_bindir() {
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
}
find_bindir
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "installing postgresql from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  find_bindir
fi

# PostgreSQL refuses to run as root: run its programs as the postgres user when we are root.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [[ "${1:-}" == "stop" ]]; then
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
  exit 0
fi

if ! as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  rm -rf "$dir"
  mkdir -p "$dir"
  if [[ "$(id -u)" == 0 ]]; then chown postgres:postgres "$dir"; fi
  as_pg "$bindir/initdb" -D "$dir/data" -U roundup --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }
fi
echo "postgres://roundup@127.0.0.1:$port/postgres"
