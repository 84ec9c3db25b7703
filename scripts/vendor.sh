#!/usr/bin/env bash
# Copy the front-end libraries from node_modules (npm registry, package-lock.json)
# into static/vendor/, which is not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/socket.io-client ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/socket.io.min.js
cp node_modules/socket.io-client/dist/socket.io.min.js.map static/vendor/socket.io.min.js.map 2>/dev/null || true
for extra in scripts/vendor.d/*.sh; do [ -e "$extra" ] && bash "$extra"; done
echo "front-end files copied to static/vendor/"
