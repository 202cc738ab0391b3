#!/usr/bin/env bash
# What the end-to-end tests need besides the Python packages, installed once on a fresh machine
# (`make test` and `.ci/run` both call this; it does nothing when everything is there):
# - Debian's headless chromium and zbarimg (zbar-tools), for tests/e2e/test_what_people_see.py
#   and tests/e2e/test_family_center_browser.py;
# - axe-core from tests/browser/package-lock.json (with Debian's npm when there is none), for the
#   Family Center's accessibility checks.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v zbarimg >/dev/null || missing+=(zbar-tools)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y "${missing[@]}"
fi

# npm ci again only when the lock file changed since the last install.
if [ ! browser/node_modules/.package-lock.json -nt browser/package-lock.json ]; then
    (cd browser && npm ci --no-audit --no-fund)
fi
