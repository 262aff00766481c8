#!/usr/bin/env bash
# `pnpm dev`: every service in the foreground, each rebuilt and restarted when its sources change; Ctrl-C stops all.
#   go (8080): `go run` under a polling loop over the Go sources;
#   ts (8081): `tsc --watch` beside `node --watch`, which restarts when dist/ changes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh @rtip/ts-service

pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

prefix() { sed -u "s/^/[$1] /"; }

# go: rebuild and restart whenever a .go file changes (checked every second; no watcher dependency needed).
(
  cd go-service
  stamp() { find . -name '*.go' -newer "$1" -print -quit; }
  mark=$(mktemp)
  while true; do
    touch "$mark"
    go build -o bin/go-service-dev ./cmd/go-service && { ./bin/go-service-dev & echo $! > "$mark.pid"; }
    until [ -n "$(stamp "$mark")" ]; do sleep 1; done
    echo "go sources changed: restarting"
    kill "$(cat "$mark.pid" 2>/dev/null)" 2>/dev/null || true
    wait 2>/dev/null || true
  done
) 2>&1 | prefix go &
pids+=($!)

(
  cd apps/ts-service
  pnpm exec tsc -p tsconfig.build.json --watch --preserveWatchOutput &
  exec ./start.sh --watch-path=dist
) 2>&1 | prefix ts &
pids+=($!)

wait
