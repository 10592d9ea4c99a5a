#!/usr/bin/env bash
# What the browser tests need besides Go, installed once:
#   - Chromium (Debian's chromium; installed with apt-get when missing, as root),
#   - axe-core from npm, pinned, into .cache/npm (git-ignored), where the tests
#     find axe.min.js (or wherever HAILONG_AXE_JS points),
#   - pdftotext (Debian's poppler-utils), with which the quarterly report's
#     test reads the PDF's text back.
# Without them the browser tests skip locally and fail on CI (CI=true).
#
#   scripts/test-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1 # `npm view axe-core version`; raise it on purpose, rules change between versions

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
fi
chromium --version

if ! command -v pdftotext >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
fi
# sed reads to the end: with head, pdftotext could die of SIGPIPE and pipefail
# would fail the whole run (exit 141).
pdftotext -v 2>&1 | sed -n 1p

if ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
have=$(node -p 'require("./.cache/npm/node_modules/axe-core/package.json").version' 2>/dev/null || true)
if [ "$have" != "$AXE_VERSION" ]; then
  npm install --no-save --no-audit --no-fund --prefix .cache/npm "axe-core@$AXE_VERSION" >/dev/null
fi
echo "axe-core $(node -p 'require("./.cache/npm/node_modules/axe-core/package.json").version') in .cache/npm"
