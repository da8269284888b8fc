#!/usr/bin/env bash
# The short team load and crash tests run by scripts/test.sh (CI):
#   1. PostgreSQL, two servers, 50 coders, one server killed with SIGKILL
#      halfway and restarted;
#   2. PostgreSQL, two servers, 50 coders, PostgreSQL itself crashed
#      (immediate stop) and restarted halfway;
#   3. SQLite, one server, 20 coders, the server killed and restarted.
# Each run checks that every acknowledged write is present, nothing is
# duplicated, and the clients recovered. Needs AXIAL_TEST_PG and
# AXIAL_PG_DIR (from scripts/pg.sh; without it the PostgreSQL crash run is
# skipped) and builds the debug `axial` binary.
# Longer runs for BENCHMARKS.md: tests/load/team.py --duration 60 ...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${AXIAL_TEST_PG:?start PostgreSQL first: eval \"\$(scripts/pg.sh start)\"}"
py=python3
out="$root/target/load"
mkdir -p "$out"
(cd "$root" && cargo build -q -p axial-cli --bin axial)
base="${AXIAL_TEST_PG%/*}"
fresh_pg() {
    local name="axial_load_$1_$$"
    psql "$AXIAL_TEST_PG" -q -c "CREATE DATABASE $name" >/dev/null
    echo "$base/$name"
}
duration="${AXIAL_LOAD_SECONDS:-15}"
echo "load: PostgreSQL, 2 servers, 50 coders, kill -9 a server"
$py "$here/team.py" --db "$(fresh_pg kill)" --servers 2 --coders 50 --duration "$duration" --kill-server --json "$out/pg-kill.json" >/dev/null
runs="pg-kill sqlite-kill"
if [ -n "${AXIAL_PG_DIR:-}" ]; then
    echo "load: PostgreSQL, 2 servers, 50 coders, crash PostgreSQL"
    $py "$here/team.py" --db "$(fresh_pg crash)" --servers 2 --coders 50 --duration "$duration" --crash-postgres --json "$out/pg-crash.json" >/dev/null
    runs="pg-kill pg-crash sqlite-kill"
else
    echo "load: skipping the PostgreSQL crash test (it needs a cluster from scripts/pg.sh, AXIAL_PG_DIR)"
fi
echo "load: SQLite, 1 server, 20 coders, kill -9 the server"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$py "$here/team.py" --db "$tmp/team.db" --servers 1 --coders 20 --duration "$duration" --kill-server --json "$out/sqlite-kill.json" >/dev/null
for f in $runs; do
    $py -c "import json,sys; d=json.load(open(sys.argv[1])); print('  ' + sys.argv[2] + ':', d['throughput_per_s'], 'req/s;', d['checks'][0])" "$out/$f.json" "$f"
done
