#!/usr/bin/env bash
# Install headless Chromium for the report tests (tests/test_report_browser.py), on
# Debian 12 or 13: the Debian package `chromium` and a font for its screenshots.
# Idempotent: with both installed it only says so (and needs no root). `make test` runs it.
set -euo pipefail

LOG_TAG=chromium
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cluster/_lib.sh
. "$HERE/cluster/_lib.sh"

PKGS=(chromium fonts-dejavu-core)
missing=()
for p in "${PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
    log "chromium already installed: $(chromium --version 2>/dev/null || echo '?')"
    exit 0
fi
require_root
# No recommends: chromium-sandbox is of no use to a headless test run as root (--no-sandbox).
apt_install --no-install-recommends -- "${missing[@]}"
command -v chromium >/dev/null || die "chromium missing after apt-get install ${missing[*]}"
log "installed $(chromium --version)"
