#!/usr/bin/env bash
# Start or stop a throwaway Redis on loopback for tests and benchmarks (no persistence).
#   scripts/redis.sh start DIR  -> prints the redis:// URL on stdout
#   scripts/redis.sh stop DIR   -> stops it and deletes DIR
#   scripts/redis.sh down DIR   -> stops it, keeping DIR (a simulated outage)
#   scripts/redis.sh up DIR     -> starts it again on the same port
# Ports 16379+ sit below the ephemeral range, so TIME_WAIT sockets cannot collide with them.
set -euo pipefail
action=$1
dir=$2
server=${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}
[ -x "$server" ] || { echo "redis-server not found (apt-get install redis-server)" >&2; exit 2; }

ping() {  # PING over bash's /dev/tcp, so redis-cli is not needed
  local port=$1 reply
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  read -r -t 2 reply <&3 || true
  exec 3<&- 3>&-
  [[ "$reply" == "+PONG"* ]]
}

launch() {  # launch PORT: start redis-server on PORT and wait until it answers
  local port=$1
  rm -f "$dir/redis.pid"
  "$server" --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --daemonize no --protected-mode yes >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 50); do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi  # exited: port taken
    if [ -s "$dir/redis.pid" ] && ping "$port"; then
      echo "$pid" >"$dir/pid"
      echo "$port" >"$dir/port"
      return 0
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  return 1
}

halt() {
  [ -f "$dir/pid" ] || return 0
  local pid
  pid=$(cat "$dir/pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/pid"
}

case "$action" in
  start)
    mkdir -p "$dir"
    for port in $(seq 16379 16399); do
      if ping "$port"; then continue; fi  # somebody else's Redis
      if launch "$port"; then
        echo "redis://127.0.0.1:$port/0"
        exit 0
      fi
    done
    echo "could not start redis-server; see $dir/redis.log" >&2
    exit 1
    ;;
  down) halt ;;
  up)
    port=$(cat "$dir/port")
    launch "$port" || { echo "could not restart redis-server on $port" >&2; exit 1; }
    echo "redis://127.0.0.1:$port/0"
    ;;
  stop)
    halt
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop|down|up DIR" >&2; exit 2 ;;
esac
