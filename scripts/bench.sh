#!/usr/bin/env bash
# `npm run bench`: builds, makes sure sshd/ssh are there, runs bench/run.ts (see its header).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || true
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run -s build
exec node --enable-source-maps dist/bench/run.js
