#!/usr/bin/env bash
# PostgreSQL for the stub host's PostgreSQL tests: installs Debian's `postgresql` package
# when missing (idempotent, like toolchain/install-deps.sh). Sourced (`. install-pg.sh
# start`), it also starts a throwaway cluster on a loopback port in a temp folder (as the
# postgres user when run as root: initdb refuses root), exports REVENGE_TEST_PG with its
# URL, and stops it when the calling shell exits.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing: postgresql"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
if [ "${1:-}" = "start" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  dir=$(mktemp -d /tmp/revenge-pg-XXXXXX)
  chmod 755 "$dir"
  run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  run "$bin/initdb" -D "$dir/data" -U revenge -A trust --no-sync -E UTF8 --locale=C >/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  export REVENGE_TEST_PG="postgres://revenge@127.0.0.1:$port/postgres"
  export REVENGE_PG_DIR="$dir"
  trap 'run "$bin/pg_ctl" -D "$REVENGE_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$REVENGE_PG_DIR"' EXIT
  echo "PostgreSQL for the tests: $REVENGE_TEST_PG"
fi
