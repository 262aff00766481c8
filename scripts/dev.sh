#!/usr/bin/env bash
# `pnpm dev`: go (8080) and ts (8081) in the foreground, each rebuilt and restarted when its sources change;
# Ctrl-C (or SIGTERM) stops both, with everything they started.
#   go: rebuilt when a .go file changes (polled every second: no watcher dependency);
#   ts: `tsc --watch` rebuilds dist/, `node --watch-path=dist` restarts the service.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh @rtip/ts-service || exit 1

# Ctrl-C: pnpm runs scripts with SIGINT ignored, so this shell cannot trap it; the services (Go, Node) catch it
# themselves and drain. Each loop therefore ends when its service has stopped by itself, and the script with them.
go_loop() {
  cd go-service || exit 1
  local mark child
  mark=$(mktemp)
  while true; do
    touch "$mark"
    child=''
    if go build -o bin/go-service-dev ./cmd/go-service; then
      ./bin/go-service-dev &
      child=$!
    fi
    until [ -n "$(find . -name '*.go' -newer "$mark" -print -quit)" ]; do
      if [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null; then rm -f "$mark"; return 0; fi
      sleep 1
    done
    echo "go sources changed: rebuilding"
    if [ -n "$child" ]; then kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  done
}

ts_loop() {
  cd apps/ts-service || exit 1
  pnpm exec tsc -p tsconfig.build.json --watch --preserveWatchOutput &
  local tsc=$!
  ./start.sh --watch-path=dist
  kill "$tsc" 2>/dev/null
}

# SIGTERM (and the end of both loops): SIGTERM to every process this script started, deepest first.
kill_tree() {
  local child
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill -TERM "$1" 2>/dev/null
}
stop() {
  trap - INT TERM EXIT
  local child
  for child in $(pgrep -P $$); do kill_tree "$child"; done
  wait
  exit 0
}
trap stop INT TERM EXIT

go_loop 2>&1 | sed -u 's/^/[go] /' &
ts_loop 2>&1 | sed -u 's/^/[ts] /' &
wait
