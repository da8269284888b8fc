#!/usr/bin/env bash
# Runs both cargo-fuzz targets briefly (CI) or longer (by hand), seeded with
# the real REFI-QDA samples in ../shared/refi-qda/samples.
#
#   bash crates/axial-formats/fuzz/run.sh [SECONDS]   # default 20 per target
#
# Uses the nightly toolchain when one is installed, else the stable one with
# RUSTC_BOOTSTRAP=1 (libFuzzer needs -Z flags); installs cargo-fuzz from
# crates.io when it is missing. Fails if a target finds a crash, a panic, a
# timeout or runs out of memory; the reproducer is left in fuzz/artifacts/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
formats="$(cd "$here/.." && pwd)"
root="$(cd "$formats/../.." && pwd)"
samples="$root/../shared/refi-qda/samples"
seconds="${1:-20}"
# Brief runs (CI) build unoptimised: the build, not the run, is the cost.
profile=()
if [ "$seconds" -le 30 ]; then
    profile=(--dev)
fi

command -v cargo-fuzz >/dev/null 2>&1 || cargo install --quiet --locked cargo-fuzz
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

cd "$formats"
mkdir -p fuzz/corpus/qde_parser fuzz/corpus/qdpx_archive
if [ -d "$samples" ]; then
    cp -n "$samples"/*.qde "$samples"/*.qdc fuzz/corpus/qde_parser/ 2>/dev/null || true
    cp -n "$samples"/*.qdpx fuzz/corpus/qdpx_archive/ 2>/dev/null || true
fi
# Small seeds of our own, so the run starts from valid input even without samples.
printf '<?xml version="1.0" encoding="utf-8"?><Project name="p" xmlns="urn:QDA-XML:project:1.0"><CodeBook><Codes><Code guid="0b7a1e5c-3a4f-4d0e-9c1b-2f6e8d9a0b1c" name="c" isCodable="true"/></Codes></CodeBook></Project>' \
    >fuzz/corpus/qde_parser/axial-minimal.qde

for target in qde_parser qdpx_archive; do
    echo "fuzz: $target for ${seconds}s"
    cargo "${toolchain[@]}" fuzz run "${profile[@]}" --sanitizer none "$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 2>&1 |
        grep -E '^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+== ERROR|SUMMARY|Done|.*panicked)' || true
    status=${PIPESTATUS[0]}
    if [ "$status" -ne 0 ]; then
        echo "fuzz: $target found a problem; see crates/axial-formats/fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
