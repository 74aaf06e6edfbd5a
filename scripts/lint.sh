#!/usr/bin/env bash
# The checks that read the code rather than run it, in `npm test` (and alone: `npm test -- lint`):
#   - the layers of ../shared/DESIGN.md and no import cycles (dependency-cruiser, .dependency-cruiser.cjs);
#   - ESLint (typescript-eslint with type information, react-hooks, jsx-a11y; eslint.config.js);
#   - the formatting (Prettier, .prettierrc.json).
# Each runs even when one before it failed, so one run says everything that is wrong.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
echo "# layers and cycles (dependency-cruiser)"
npx --no-install depcruise main common renderer/src preload --config .dependency-cruiser.cjs || status=1
echo "# ESLint"
npx --no-install eslint --max-warnings 0 . || status=1
echo "# formatting (Prettier)"
npx --no-install prettier --check --log-level warn . || status=1
[ $status -eq 0 ] && echo "# lint: clean"
exit $status
