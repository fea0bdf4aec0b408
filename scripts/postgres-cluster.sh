#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the tests, in a directory of its own:
#   scripts/postgres-cluster.sh start DIR [PORT]
#                                           initdb (first time) + pg_ctl start on PORT or a free
#                                           loopback port (unless it runs already); prints its URL
#   scripts/postgres-cluster.sh stop DIR    pg_ctl stop (fast)
# PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` system user (the
# Debian package creates it) and DIR is handed to that user. Trust authentication on loopback
# only; the database `fawang` is created for the tests, which create one more per test.
set -euo pipefail
action="${1:?usage: postgres-cluster.sh start|stop DIR}"
dir="${2:?usage: postgres-cluster.sh start|stop DIR}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/pg_ctl" ] || { echo "postgres-cluster: PostgreSQL is not installed (apt-get install postgresql-15; scripts/setup.sh does)" >&2; exit 1; }
as_owner=()
if [ "$(id -u)" = 0 ]; then as_owner=(runuser -u postgres --); fi

case "$action" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # Already running (an earlier run's): its port is the fourth line of postmaster.pid.
    port="$(sed -n 4p "$dir/data/postmaster.pid")"
  else
    port="${3:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
    # fsync stays on: the tests' durability claims hold on this cluster as in production.
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c shared_buffers=64MB" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
  fi
  "${as_owner[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c "SELECT 1 FROM pg_database WHERE datname = 'fawang'" | grep -q 1 \
    || "${as_owner[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -c "CREATE DATABASE fawang"
  echo "postgres://postgres@127.0.0.1:$port/fawang"
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] && "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  ;;
*)
  echo "usage: postgres-cluster.sh start|stop DIR" >&2; exit 2
  ;;
esac
