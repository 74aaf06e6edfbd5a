#!/usr/bin/env bash
# `npm test`: installs what the tests need (Debian, as root), builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/deps.sh; then
  # On CI a missing component is a failure, not a skip: CI must prove everything.
  [ "${CI:-}" = "true" ] && { echo "CI: required components are missing"; exit 1; }
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
rm -rf dist && npm run -s build  # a clean build: no compiled test may outlive its source

# Every compiled *.test.js under dist/test; Node 20's --test takes file names, not globs.
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ $# -gt 0 ]; then mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E "$1"); fi
exec node --enable-source-maps --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
