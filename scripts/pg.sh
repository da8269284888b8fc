#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for Axial's tests, built
# from the machine's own PostgreSQL binaries (no pre-existing server).
#
#   eval "$(scripts/pg.sh start)"   # sets AXIAL_TEST_PG and AXIAL_PG_DIR
#   cargo test -p axial-store-postgres
#   scripts/pg.sh stop              # stops the cluster and deletes its files
#
# `start` initdb's a cluster into a fresh temp directory, listens on a free
# port of 127.0.0.1 only (trust authentication, loopback only), waits until
# it accepts connections and prints the `export` lines on stdout; everything
# else goes to stderr. initdb refuses to run as root, so as root the cluster
# is owned and run by the `postgres` user (created if missing).
# `stop [DIR]` stops the cluster in DIR (default: $AXIAL_PG_DIR) and removes
# DIR.
set -euo pipefail

say() { echo "pg.sh: $*" >&2; }

find_bin() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return
    fi
    for dir in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return
        fi
    done
    say "cannot find the PostgreSQL program '$name'; install PostgreSQL 15 or newer"
    exit 1
}

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        # -s: the postgres account may have no login shell
        su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
    else
        "$@"
    fi
}

free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 30000))
        # a refused connection means nothing listens there
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    say "found no free port on 127.0.0.1"
    exit 1
}

start() {
    local initdb pg_ctl dir port
    initdb=$(find_bin initdb)
    pg_ctl=$(find_bin pg_ctl)
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/axial-pg.XXXXXX")
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
    fi
    port=$(free_port)
    as_owner "$initdb" -D "$dir/data" -U axial --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        say "initdb failed (log above)"
        exit 1
    }
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" \
        start >&2 || {
        cat "$dir/server.log" >&2 || true
        say "the server did not start (log above)"
        exit 1
    }
    echo "$port" >"$dir/port"
    say "PostgreSQL running in $dir on 127.0.0.1:$port; stop it with: scripts/pg.sh stop"
    echo "export AXIAL_PG_DIR=$dir"
    echo "export AXIAL_TEST_PG=postgres://axial@127.0.0.1:$port/postgres"
}

stop() {
    local dir=${1:-${AXIAL_PG_DIR:-}} pg_ctl
    if [ -z "$dir" ]; then
        say "which cluster? give its directory or set AXIAL_PG_DIR (printed by 'scripts/pg.sh start')"
        exit 1
    fi
    case "$dir" in
    */axial-pg.*) ;;
    *)
        say "'$dir' is not a directory made by 'scripts/pg.sh start'; refusing to delete it"
        exit 1
        ;;
    esac
    pg_ctl=$(find_bin pg_ctl)
    if [ -d "$dir/data" ]; then
        as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >&2 || say "the server was not running"
    fi
    rm -rf "$dir"
    say "removed $dir"
}

# Crashes the server (immediate shutdown: no checkpoint, like a power cut)
# and starts it again on the same port; for the crash tests.
crash_restart() {
    local dir=${1:-${AXIAL_PG_DIR:-}} pg_ctl port
    if [ -z "$dir" ] || [ ! -f "$dir/port" ]; then
        say "which cluster? give its directory or set AXIAL_PG_DIR"
        exit 1
    fi
    pg_ctl=$(find_bin pg_ctl)
    port=$(cat "$dir/port")
    # A checkpoint first keeps the replay short: the test is about clients
    # riding out the outage, not about how long recovery of a busy test
    # cluster takes.
    psql "postgres://axial@127.0.0.1:$port/postgres" -q -c CHECKPOINT >/dev/null 2>&1 || true
    as_owner "$pg_ctl" -D "$dir/data" -m immediate -w stop >&2
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 300 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" \
        start >&2
    say "PostgreSQL crashed and restarted on 127.0.0.1:$port"
}

case "${1:-}" in
start) start ;;
crash-restart) crash_restart "${2:-}" ;;
stop) stop "${2:-}" ;;
*)
    say "usage: eval \"\$(scripts/pg.sh start)\" | scripts/pg.sh stop [DIR] | scripts/pg.sh crash-restart [DIR]"
    exit 2
    ;;
esac
