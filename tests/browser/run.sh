#!/usr/bin/env bash
# Runs the browser tests: installs Debian's chromium and playwright-core if
# missing, builds the test server, runs `node --test`, exits non-zero on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (Debian package)…"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "installing playwright-core…"
  (cd "$here" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; })
fi
(cd "$root" && cargo build -p axial-server --example test_server && cargo build -p axial-cli --bin axial)
mkdir -p "$root/artifacts/screenshots"
cd "$here"
exec node --test --test-concurrency=1 *.test.mjs
