#!/usr/bin/env bash
# Runs Axial's whole test suite: formatting and lint checks, every Rust test
# (unit, store conformance, importer, REFI-QDA, CLI, API), the team load and
# crash tests, the interop tests and the browser tests.
# Installs what the tests need when it is missing and we are root (Debian:
# libxml2-utils for schema validation, chromium for the browser tests,
# LibreOffice to open the reports), and
# starts a throwaway PostgreSQL cluster (scripts/pg.sh) unless AXIAL_TEST_PG
# names a server already.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v libreoffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)
{ command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || need_apt+=(postgresql)
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

echo "== starting a throwaway PostgreSQL cluster for the PostgreSQL backend's tests"
if [ -z "${AXIAL_TEST_PG:-}" ]; then
  eval "$(bash scripts/pg.sh start)"
  trap 'bash scripts/pg.sh stop "$AXIAL_PG_DIR" >/dev/null 2>&1 || true' EXIT
fi

echo "== cargo test"
mkdir -p target
set +e
cargo test --workspace --no-fail-fast 2>&1 | tee target/test-output.txt
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "cargo test failed" >&2
  exit 1
fi

echo "== the API and CLI tests again, on PostgreSQL"
set +e
AXIAL_TEST_BACKEND=postgres cargo test -p axial-server -p axial-cli --tests --no-fail-fast 2>&1 | tee target/test-output-postgres.txt
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "the API or CLI tests failed on PostgreSQL" >&2
  exit 1
fi

echo "== team load and crash tests (two servers, 50 coders, kill -9, PostgreSQL crash; SQLite kill)"
bash tests/load/run.sh

echo "== interop tests (REFI-QDA export read by pyqdpx)"
bash tests/interop/run.sh

echo "== browser tests"
bash tests/browser/run.sh

echo "== fuzzing the REFI-QDA readers briefly (cargo fuzz; longer runs: crates/axial-formats/FUZZING.md)"
bash crates/axial-formats/fuzz/run.sh "${AXIAL_FUZZ_SECONDS:-20}"
