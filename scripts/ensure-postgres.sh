#!/usr/bin/env bash
# Install Debian's PostgreSQL server, if it is not there yet: the saved-budgets tests run the store on a real
# PostgreSQL as well as on SQLite. They start a throwaway server of their own (tests/postgres_server.py) from the
# binaries in /usr/lib/postgresql/<version>/bin, which is where this looks: Debian keeps initdb and pg_ctl off PATH.
set -euo pipefail
if compgen -G '/usr/lib/postgresql/*/bin/initdb' > /dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL is missing: run 'sudo apt-get install -y --no-install-recommends postgresql' (Debian)" \
       "and try again." >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql > /dev/null
# The package also creates a default cluster (main, port 5432) and starts it where services can start. The tests
# never use it, so stop it: a database server nobody asked for must not stay up, listening and holding 5432.
# Each cluster is stopped by pg_ctlcluster (systemd's unit for it where systemd runs); where there is no
# pg_lsclusters, the init script stops them all. A cluster that was never started is fine as it is.
if command -v pg_lsclusters > /dev/null; then
  { pg_lsclusters --no-header || true; } | while read -r version cluster _port status _rest; do
    case "$status" in
      online*) pg_ctlcluster "$version" "$cluster" stop || true ;;
    esac
  done
elif command -v service > /dev/null; then
  service postgresql stop > /dev/null 2>&1 || true
fi
