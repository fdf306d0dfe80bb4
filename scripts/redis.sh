#!/usr/bin/env bash
# Install (Debian package) and start / stop a throwaway redis-server on 127.0.0.1 for tests,
# benchmarks and local multi-worker runs.
#   scripts/redis.sh start [PORT]   -> prints redis://127.0.0.1:PORT/0 ; data in .newscrawl/redis-PORT/
#   scripts/redis.sh stop [PORT]
# Persistence is on (appendonly, fsync every second), as recommended for a shared crawl frontier.
set -euo pipefail
cmd=${1:-start}
port=${2:-6390}
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.newscrawl/redis-$port"

install() {
    command -v redis-server >/dev/null 2>&1 && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "redis-server is not installed; run as root or: sudo apt-get install redis-server" >&2
        return 1
    fi
    echo "installing redis-server (Debian package)..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2 \
        || { echo "could not install redis-server" >&2; return 1; }
}

case "$cmd" in
start)
    install
    mkdir -p "$dir"
    if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
        echo "redis://127.0.0.1:$port/0"; exit 0
    fi
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --appendonly yes --appendfsync everysec --save "" --protected-mode yes >&2
    for _ in $(seq 50); do
        redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && { echo "redis://127.0.0.1:$port/0"; exit 0; }
        sleep 0.1
    done
    echo "redis-server did not start; see $dir/redis.log" >&2; exit 1
    ;;
stop)
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop [PORT]" >&2; exit 2
    ;;
esac
