#!/usr/bin/env bash
# Debian packages the tests need: chromium (Playwright drives Debian's browser; its own
# download does not work offline), CJK fonts (readable screenshots and PDFs),
# espeak-ng (server-side Mandarin voice for the displays), postgresql-client (backups),
# nginx (tests/live/test_nginx.py runs deploy/nginx.conf in front of two instances).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# pg_dump/pg_restore: `flask backup` and `flask restore` on PostgreSQL
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
# nginx lives in /usr/sbin, which is not on an ordinary user's PATH
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
