#!/usr/bin/env bash
# `npm test`: installs what the tests need (Debian, as root), builds, and runs every test: the
# node:test suites (unit and integration, against a real sshd and PostgreSQL), then the browser
# end-to-end tests (Playwright driving Debian's Chromium against `burrow web`).
# `npm test -- PATTERN` runs only the node:test files whose path matches PATTERN (no e2e);
# `npm test -- e2e` runs only the browser tests; `npm test -- lint` only the checks of the code
# itself (layers, cycles, ESLint, formatting: scripts/lint.sh), which a full run does first.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/deps.sh; then
  # On CI a missing component is a failure, not a skip: CI must prove everything.
  [ "${CI:-}" = "true" ] && { echo "CI: required components are missing"; exit 1; }
fi
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1
rm -rf dist && npm run -s build || exit 1  # a clean build: no compiled test may outlive its source
# The window's unit tests (test/renderer/, TSX): type-checked, then bundled as the window is, for node:test.
npx --no-install tsc --noEmit -p test/renderer/tsconfig.json || exit 1
npx --no-install vite build --config renderer/vite.units.config.ts --logLevel warn || exit 1

unit=0
e2e=0
lint=0
if [ $# -eq 0 ] || [ "${1:-}" = "lint" ]; then
  bash scripts/lint.sh
  lint=$?
  [ "${1:-}" = "lint" ] && exit $lint
fi
if [ "${1:-}" != "e2e" ]; then
  # Every compiled *.test.js under dist/test; Node 20's --test takes file names, not globs.
  mapfile -t files < <(find dist/test -name '*.test.js' | sort)
  if [ $# -gt 0 ]; then mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E "$1"); fi
  node --enable-source-maps --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
  unit=$?
fi
if [ $# -eq 0 ] || [ "${1:-}" = "e2e" ]; then
  if [ -x "${BURROW_CHROMIUM:-/usr/bin/chromium}" ]; then
    npx playwright test -c dist/e2e/playwright.config.js
    e2e=$?
  elif [ "${CI:-}" = "true" ]; then
    echo "CI: Chromium is missing (Debian: apt-get install chromium), so the browser tests cannot run"; e2e=1
  else
    echo "e2e: skipped: no Chromium at ${BURROW_CHROMIUM:-/usr/bin/chromium} (Debian: apt-get install chromium; or set BURROW_CHROMIUM)"
  fi
fi
[ $lint -ne 0 ] && echo "lint: failed (see its output at the top); \`npm test -- lint\` runs it alone"
[ $lint -eq 0 ] && [ $unit -eq 0 ] && [ $e2e -eq 0 ]
