#!/usr/bin/env bash
# Runs Axial's whole test suite: formatting and lint checks, every Rust test
# (unit, store conformance, importer, REFI-QDA, CLI), and the browser tests.
# Installs what the tests need when it is missing and we are root (Debian:
# libxml2-utils for schema validation, chromium for the browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing ${need_apt[*]}: install them (sudo apt-get install ${need_apt[*]}) and run again" >&2
    exit 1
  fi
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test"
mkdir -p target
set +e
cargo test --workspace 2>&1 | tee target/test-output.txt
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "cargo test failed" >&2
  exit 1
fi

echo "== browser tests"
bash tests/browser/run.sh
