#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster on loopback for the test suite.
#   scripts/postgres.sh start DIR   -> prints the database URL on stdout
#   scripts/postgres.sh stop DIR     -> stops it and deletes DIR
#   scripts/postgres.sh down DIR     -> stops it, keeping its data (a simulated outage)
#   scripts/postgres.sh up DIR       -> starts a stopped cluster again on the same port
#   scripts/postgres.sh restart DIR  -> fast restart: every open connection is cut
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail
action=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found" >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    # A fixed port below the ephemeral range (32768+), where TIME_WAIT sockets cannot collide.
    for port in 15432 15433 15434 15435 15436 15437 15438 15439; do
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 \
          -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
          start >/dev/null 2>&1; then
        echo "$port" >"$dir/port"
        echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
        exit 0
      fi
    done
    echo "could not start PostgreSQL; see $dir/pg.log" >&2
    exit 1
    ;;
  down)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  up)
    port=$(cat "$dir/port")
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 restart >/dev/null
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop|down|up|restart DIR" >&2; exit 2 ;;
esac
