#!/usr/bin/env bash
# Chart.js (npm) for the report page's chart: the UMD build, no CDN.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -d node_modules/chart.js/dist ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
if [ -f node_modules/chart.js/dist/chart.umd.min.js ]; then
  cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.js
else
  cp node_modules/chart.js/dist/chart.umd.js static/vendor/chart.umd.js
fi
