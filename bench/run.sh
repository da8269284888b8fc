#!/bin/sh
# The whole benchmark report in one command (issue 8).
#
#   bench/run.sh            # demo study, W2 and W3 with `axial bench`, then Axial vs Taguette
#   bench/run.sh --quick    # a smoke run: demo and the small corpus, few runs, Taguette --small
#
# Builds target/release/axial, runs `axial bench --json` on each corpus (each
# in its own temporary databases), the W2 corpus (small with --quick) once
# more on PostgreSQL (a throwaway cluster from scripts/pg.sh, or the server
# in AXIAL_BENCH_PG, a postgres:// URL of a role allowed to create
# databases), then bench/taguette/run.sh (which installs
# Taguette into a virtualenv on first use and runs both servers in a
# loopback-only network namespace), and writes target/bench-report.md with
# the machine, the date, the commit and every table. The JSON of each corpus
# stays in target/bench-run/. Needs python3 (standard library only).
#
# Runs per corpus: quick operations AXIAL_BENCH_RUNS (15; W3 3), whole-corpus
# operations AXIAL_BENCH_HEAVY (3; W3 1: each repeat of W3 is another 1.3 GB
# database). A full run takes about 10–15 minutes on 2 cores (Taguette's
# part alone about 3) and needs about 4 GB of free disk in the temporary
# folder.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

quick=0
for a in "$@"; do
    case "$a" in
    --quick) quick=1 ;;
    -h | --help)
        sed -n '2,21p' "$0"
        exit 0
        ;;
    *)
        echo "unknown option '$a'; use --quick for a smoke run" >&2
        exit 2
        ;;
    esac
done

cargo build --release -p axial-cli
bin=target/release/axial
out=target/bench-run
report=target/bench-report.md
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.err

runs=${AXIAL_BENCH_RUNS:-15}
heavy=${AXIAL_BENCH_HEAVY:-3}
if [ "$quick" = 1 ]; then
    corpora="demo small"
    tflag="--small"
    runs=${AXIAL_BENCH_RUNS:-3}
    heavy=${AXIAL_BENCH_HEAVY:-1}
else
    corpora="demo w2 w3"
    tflag=""
fi

if [ "$quick" = 1 ]; then pgcorpus=small; else pgcorpus=w2; fi
pg_started=0
stop_pg() {
    if [ "$pg_started" = 1 ]; then bash scripts/pg.sh stop >/dev/null 2>&1 || true; fi
}
trap stop_pg EXIT

load_start=$(cut -d' ' -f1 /proc/loadavg)
started=$(date -u +"%Y-%m-%d %H:%M UTC")
for c in $corpora; do
    r=$runs
    h=$heavy
    if [ "$c" = w3 ] && [ -z "${AXIAL_BENCH_RUNS:-}" ]; then r=3; fi
    if [ "$c" = w3 ] && [ -z "${AXIAL_BENCH_HEAVY:-}" ]; then h=1; fi
    echo "== axial bench --corpus $c --runs $r --heavy-runs $h"
    if ! "$bin" --json bench --corpus "$c" --runs "$r" --heavy-runs "$h" >"$out/$c.json" 2>"$out/$c.err"; then
        echo "axial bench --corpus $c failed:" >&2
        cat "$out/$c.err" >&2
        exit 1
    fi
done

pgurl=""
if [ -n "${AXIAL_BENCH_PG:-}" ]; then
    pgurl=$AXIAL_BENCH_PG
else
    echo "== starting a throwaway PostgreSQL cluster (scripts/pg.sh)"
    if pgenv=$(bash scripts/pg.sh start); then
        eval "$pgenv"
        pg_started=1
        pgurl=$AXIAL_TEST_PG
    else
        echo "no PostgreSQL cluster could be started (above); the report will have no PostgreSQL table" >&2
    fi
fi
if [ -n "$pgurl" ]; then
    pgversion=$(psql "$pgurl" -Atc "SHOW server_version" 2>/dev/null | cut -d' ' -f1 || true)
    echo "== axial bench --corpus $pgcorpus --postgres (runs $runs, heavy $heavy)"
    if ! "$bin" --json bench --corpus "$pgcorpus" --runs "$runs" --heavy-runs "$heavy" \
        --postgres "$pgurl" >"$out/$pgcorpus-postgres.json" 2>"$out/$pgcorpus-postgres.err"; then
        echo "axial bench --corpus $pgcorpus --postgres failed:" >&2
        cat "$out/$pgcorpus-postgres.err" >&2
        exit 1
    fi
    stop_pg
    pg_started=0
fi

echo "== bench/taguette/run.sh $tflag"
# shellcheck disable=SC2086 # $tflag is empty or one flag
AXIAL_BIN="$bin" bench/taguette/run.sh $tflag

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null | head -1)" ]; then commit="$commit + uncommitted changes"; fi
cmd="bench/run.sh $*"

python3 - "$out" "$report" "$corpora" "$started" "$load_start" "$commit" "$cmd" "$pgcorpus" "${pgversion:-}" <<'EOF'
import json, os, platform, sys

out, report, corpora, started, load_start, commit, cmd, pgcorpus, pgversion = sys.argv[1:10]

def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"

def mem_gib():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0

def ms(x):
    if x >= 1000:
        return "%.2f s" % (x / 1000)
    if x >= 10:
        return "%.1f ms" % x
    return "%.2f ms" % x

names = {"demo": "Demo study (21 interviews)", "small": "Small corpus (quick check)",
         "w2": "W2: 1,000 transcripts × 8,000 words", "w3": "W3: survey, 200,000 responses × 60 words"}
lines = ["# Axial benchmark report", ""]
lines.append("Machine: %s, %d cores, %.0f GiB memory, %s %s. Started %s; load average (1 min) %s at the "
             "start, %.2f at the end. Commit %s. Command: `%s`." % (
                 cpu(), os.cpu_count() or 0, mem_gib(), platform.system(), platform.release(),
                 started, load_start, os.getloadavg()[0], commit, cmd.strip()))
lines.append("")
lines.append("Each figure is the median (min–max) over the runs shown. *Limit* is the share of the "
             "physical limit reached: the time a plain memory scan of the same bytes took (measured in "
             "the same run) divided by the operation's time. *Peak* is the resident memory of the "
             "`axial bench` process while the operation ran.")
for c in corpora.split():
    d = json.load(open(os.path.join(out, c + ".json")))
    r = d["report"]
    lines += ["", "## " + names.get(c, c), ""]
    lines.append("%d sources, %d codes, %d codings, %.1f MB of text; database %.1f MB." % (
        r["sources"], r["codes"], r["codings"], r["text_bytes"] / 1e6, d["database_bytes"] / 1e6))
    lines += ["", "| operation | median | min–max | runs | rate | limit | peak |", "|---|---|---|---|---|---|---|"]
    for o in r["ops"]:
        t = o["timing"]
        rate = "%.1f %s" % tuple(o["rate"]) if o.get("rate") else ""
        lim = "%.1f%%" % (o["fraction_of_scan"] * 100) if o.get("fraction_of_scan") and o["op"] != "memory_scan" else ""
        peak = "%.0f MiB" % o["peak_rss_mib"] if o.get("peak_rss_mib") else ""
        lines.append("| %s | **%s** | %s–%s | %d | %s | %s | %s |" % (
            o["what"], ms(t["median_ms"]), ms(t["min_ms"]), ms(t["max_ms"]), t["runs"], rate, lim, peak))
    l = d.get("layout")
    if l:
        lines.append("| coded layout of a %d-character source with %d codings, through the router | **%s** | best %s | %d | | | |"
                     % (l["chars"], l["codings"], ms(l["median_ms"]), ms(l["best_ms"]), l["runs"]))
    s = d.get("cli_start")
    if s:
        lines.append("| CLI start to first output (`axial project list`) | **%s** | %s–%s | %d | | | |"
                     % (ms(s["median_ms"]), ms(s["min_ms"]), ms(s["max_ms"]), s["runs"]))
    for op, why in r.get("skipped", []):
        lines.append("")
        lines.append("Not run: %s (%s)." % (op, why))
pg = os.path.join(out, pgcorpus + "-postgres.json")
lite = os.path.join(out, pgcorpus + ".json")
if os.path.exists(pg) and os.path.exists(lite):
    p, l = json.load(open(pg)), json.load(open(lite))
    lines += ["", "## SQLite and PostgreSQL: %s" % names.get(pgcorpus, pgcorpus), ""]
    lines.append("The same `axial bench --corpus %s` on both backends, one after the other on this machine: "
                 "SQLite files in a temporary folder, and databases created on a PostgreSQL %s cluster "
                 "on loopback (its default settings: fsync on, synchronous commit). Both durable per commit. "
                 "Peak memory is the `axial bench` process only (PostgreSQL's own processes are not counted)."
                 % (pgcorpus, pgversion))
    lines += ["", "| operation | SQLite | PostgreSQL | PostgreSQL ÷ SQLite |", "|---|---|---|---|"]
    pops = {o["op"]: o for o in p["report"]["ops"]}
    for o in l["report"]["ops"]:
        q = pops.get(o["op"])
        if not q or o["op"] in ("parse", "memory_scan"):
            continue
        a, b = o["timing"]["median_ms"], q["timing"]["median_ms"]
        lines.append("| %s | %s | %s | %.1f× |" % (o["what"], ms(a), ms(b), b / a if a else 0))
    for key, what in (("layout", "coded layout of a 300,000-character source with 2,000 codings"),
                      ("cli_start", "CLI start to first output")):
        if l.get(key) and p.get(key):
            a, b = l[key]["median_ms"], p[key]["median_ms"]
            lines.append("| %s | %s | %s | %.1f× |" % (what, ms(a), ms(b), b / a if a else 0))
    lines.append("| database size | %.1f MB | %.1f MB | %.1f× |" % (
        l["database_bytes"] / 1e6, p["database_bytes"] / 1e6,
        p["database_bytes"] / l["database_bytes"] if l["database_bytes"] else 0))
tg = "target/taguette-comparison.md"
if os.path.exists(tg):
    body = open(tg).read().split("\n", 1)[1]
    lines += ["", "## Axial vs Taguette, side by side", body.strip()]
open(report, "w").write("\n".join(lines) + "\n")
print("written to %s" % report)
EOF
