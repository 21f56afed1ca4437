#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the ledger tests and print its URL on stdout
# (nothing else on stdout). Usage: AVREGN_TEST_PG="$(bash .ci/postgres.sh DIR)"; stop it with
# `bash .ci/postgres.sh DIR stop`. Installs Debian's postgresql when its binaries are missing.
# Runs the server as the unprivileged user «postgres» when started as root (CI runs as root),
# on a unix socket in DIR only (no TCP listener). Prints nothing and exits 1 if it cannot start.
set -uo pipefail
dir="${1:?folder}"
action="${2:-start}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$action" = stop ]; then
  [ -n "$bin" ] && [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1
  exit 0
fi
if [ -z "$bin" ]; then
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql) >&2 || true
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
fi
[ -n "$bin" ] || { echo "postgres: no binaries" >&2; exit 1; }
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --no-create-home postgres >&2 || exit 1
fi
mkdir -p "$dir"
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >&2 || exit 1
# The port only names the socket file (no TCP); another cluster may hold one, so try a few.
for port in 55432 55433 55434 55435 55436; do
  if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
       -o "-k $dir -p $port -c listen_addresses=''" start >&2; then
    echo "postgresql://postgres@/postgres?host=$dir&port=$port"
    exit 0
  fi
done
cat "$dir/log" >&2
exit 1
