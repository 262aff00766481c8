#!/bin/sh
# Starts the built TypeScript service (dist/main.cjs) with the glibc malloc settings it is measured and shipped with.
# MALLOC_ARENA_MAX=2: glibc gives each thread its own arena; libvips allocates from many threads, so RSS grows by
#   fragmentation. Two arenas keep memory flat at a negligible speed cost.
# MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_: keep sharp's ~6 MB raw buffers in the heap instead of an mmap and
#   its page faults per image (1.5–2 ms CPU per request measured; README.md, "Settings").
# This script is their one home: the images restate them, a test in packages/containers keeps the copies equal.
# Each one set in the environment wins. NODE picks the node binary (default: the one on PATH); extra arguments go to
# it (e.g. --cpu-prof).
# `start.sh bun` and `start.sh deno` start the same app on Bun's and Deno's own servers (targets ts-bun, ts-deno;
# RUNTIMES.md), with the same malloc settings (sharp's libvips allocates through glibc on every runtime); BUN and DENO
# pick the binaries. Bun's header limit is raised to 64 KiB so that heads over 16 KiB get the contract's 431; Deno
# runs in this directory, where it finds the app's node_modules through package.json.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-67108864}"
dir="$(dirname "$0")"
case "${1:-}" in
  bun) shift; exec "${BUN:-bun}" --max-http-header-size=65536 "$@" "$dir/dist/main-bun.js" ;;
  deno) shift; cd "$dir" && exec "${DENO:-deno}" run -A "$@" dist/main-deno.js ;;
esac
exec "${NODE:-node}" "$@" "$dir/dist/main.cjs"
