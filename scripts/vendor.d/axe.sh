#!/usr/bin/env bash
# axe-core (npm) for the accessibility checks of the browser tests only: the tests inject
# it with Playwright's add_script_tag; no page references it.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
cp node_modules/axe-core/axe.min.js static/vendor/axe.min.js
