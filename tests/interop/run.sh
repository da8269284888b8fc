#!/usr/bin/env bash
# Interoperability test: installs the independent REFI-QDA reader `pyqdpx`
# (PyPI) into a virtualenv under target/, builds the axial binary, and runs
# pyqdpx_check.py, which opens Axial's export of the demo project with pyqdpx
# and compares sources, codes and codings with what Axial prints.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/interop-venv"

# pyqdpx 0.1.x uses f-string syntax that needs Python 3.12 or newer.
py=""
cands=(python3.14 python3.13 python3.12 python3)
if command -v pyenv >/dev/null 2>&1; then
  # pyenv shims only run the active version; use installed ones directly.
  for d in "$(pyenv root)"/versions/3.*/bin/python3; do cands+=("$d"); done
fi
for cand in "${cands[@]}"; do
  if command -v "$cand" >/dev/null 2>&1 &&
    "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    py="$cand"
    break
  fi
done
if [ -z "$py" ]; then
  echo "the interop test needs Python 3.12 or newer (pyqdpx does not load on older ones): install python3.12 (pyenv install 3.12, or your distribution's package) and run again" >&2
  exit 1
fi
if [ -x "$venv/bin/python" ] &&
  ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv with $py"
  "$py" -m venv "$venv" || {
    echo "$py -m venv failed: install the venv module for $py and run again" >&2
    exit 1
  }
fi
if ! "$venv/bin/python" -c 'import pyqdpx' 2>/dev/null; then
  echo "installing pyqdpx"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'pyqdpx==0.1.8'
fi

(cd "$root" && cargo build --quiet -p axial-cli)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" "$here/pyqdpx_check.py" "$root/target/debug/axial" "$work"
