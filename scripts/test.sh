#!/usr/bin/env bash
# Runs every test: unit and contract tests beside the code (src/**/*.test.ts) and the
# end-to-end suite (test/**/*.test.ts). Node 20's runner does not expand globs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 "$@" "${files[@]}"
