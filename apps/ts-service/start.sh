#!/bin/sh
# Starts the built TypeScript service (dist/main.cjs) with the glibc malloc settings it is measured and shipped with.
# MALLOC_ARENA_MAX=2: glibc gives each thread its own arena; libvips allocates from many threads, so RSS grows by
#   fragmentation. Two arenas keep memory flat at a negligible speed cost.
# MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_: keep sharp's ~6 MB raw buffers in the heap instead of an mmap and
#   its page faults per image (1.5–2 ms CPU per request measured; README.md, "Settings").
# This script is their one home: the images restate them, a test in packages/containers keeps the copies equal.
# Each one set in the environment wins. NODE picks the node binary (default: the one on PATH); extra arguments go to
# it (e.g. --cpu-prof).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-67108864}"
exec "${NODE:-node}" "$@" "$(dirname "$0")/dist/main.cjs"
