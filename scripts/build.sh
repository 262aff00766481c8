#!/usr/bin/env bash
# Builds the workspace packages a command needs (turbo, cached), quietly: turbo's output is shown only on failure.
# Usage: scripts/build.sh FILTER... (turbo --filter syntax, e.g. @rtip/ts-service... for the service and its deps)
set -uo pipefail
cd "$(dirname "$0")/.."
args=()
for f in "$@"; do args+=("--filter=$f"); done
log=$(TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 pnpm exec turbo run build "${args[@]}" --output-logs=errors-only 2>&1)
status=$?
if [ $status -ne 0 ]; then
  printf '%s\n' "$log" >&2
  echo "build of $* failed" >&2
fi
exit $status
