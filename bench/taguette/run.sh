#!/bin/sh
# Axial vs Taguette, side by side, in one invocation.
#
#   bench/taguette/run.sh            # 200 documents x 6,000 words, 60 tags, 6,000 highlights
#   bench/taguette/run.sh --small    # 20 x 1,500 words, 600 highlights: a quick check
#
# Installs Taguette into target/taguette-venv (the only step that needs the
# network: PyPI), builds the axial binary, then runs compare.py inside a
# network namespace that has only loopback, so neither server can reach
# anything beyond 127.0.0.1 (Taguette asks an update server at start; there
# it fails at once). Needs root or unprivileged user namespaces for
# `unshare -n` (falls back to `unshare -rn`). Report: target/taguette-comparison.md.
# Other options are passed to compare.py (--docs, --words, --highlights, --runs, --keep).
# AXIAL_BIN=path (absolute, or relative to the repository) skips the build.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
venv=target/taguette-venv
out=target/taguette-comparison.md

if [ ! -x "$venv/bin/taguette" ]; then
    echo "installing taguette into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet taguette
fi
tversion=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("taguette"))')

if [ -z "${AXIAL_BIN:-}" ]; then
    cargo build --release -p axial-cli
    AXIAL_BIN=target/release/axial
fi
case "$AXIAL_BIN" in
/*) ;;
*) AXIAL_BIN="$root/$AXIAL_BIN" ;;
esac
aversion=$("$AXIAL_BIN" --version 2>/dev/null || echo axial)

cmd=$(echo "bench/taguette/run.sh $*" | sed "s/ *$//")
inner='ip link set lo up && exec "$@"'
set -- python3 bench/taguette/compare.py --venv "$root/$venv" --axial "$AXIAL_BIN" \
    --out "$root/$out" --taguette-version "taguette $tversion" --axial-version "$aversion" \
    --command "$cmd" "$@"
if unshare -n true 2>/dev/null; then
    exec unshare -n sh -c "$inner" sh "$@"
else
    exec unshare -rn sh -c "$inner" sh "$@"
fi
