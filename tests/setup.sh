#!/usr/bin/env bash
# What the end-to-end tests need besides the Python packages, installed once on a fresh machine
# (`make test` and `.ci/run` both call this; it does nothing when everything is there):
# - Debian's headless chromium and zbarimg (zbar-tools), for tests/e2e/test_what_people_see.py
#   and tests/e2e/test_family_center_browser.py;
# - axe-core from tests/browser/package-lock.json (with Debian's npm when there is none), for the
#   Family Center's accessibility checks.
# It installs with apt-get as root (or through sudo when that needs no password); anywhere else it
# says in one line what to install and fails. The tests never skip: a missing tool fails them.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v zbarimg >/dev/null || missing+=(zbar-tools)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    need="the end-to-end tests need Debian packages: apt-get install -y ${missing[*]}"
    if ! command -v apt-get >/dev/null; then
        echo "tests/setup.sh: $need (no apt-get here: install their equivalents)" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        echo "tests/setup.sh: $need (as root; this user cannot install)" >&2
        exit 1
    fi
    "${as_root[@]}" apt-get update -q
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    for tool in chromium zbarimg npm; do
        command -v "$tool" >/dev/null || {
            echo "tests/setup.sh: $tool is still missing after apt-get install -y ${missing[*]}" >&2
            exit 1
        }
    done
fi

# npm ci again only when the lock file changed since the last install.
if [ ! browser/node_modules/.package-lock.json -nt browser/package-lock.json ]; then
    (cd browser && npm ci --no-audit --no-fund)
fi
