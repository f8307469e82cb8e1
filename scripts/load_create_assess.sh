#!/usr/bin/env bash
# Load test of create-and-assess (POST /v1/candidates, which answers with
# the candidate and its first assessment) over HTTP with wrk (installed
# from Debian's packages if missing): a release build of hirevet with the
# OFAC 2024 SDN set (2025-01 aliases and addresses) and the UN 2026 list
# loaded, on SQLite or on a fresh PostgreSQL database, 64 connections from
# wrk's 2 threads on the same machine, for DURATION (default 30s). Every
# request creates a new candidate (see scripts/create_assess.lua).
#
# With --rate N the load is open-loop instead: oha (installed with cargo
# into .tools/ if missing) offers N requests/s whatever the answers' speed,
# with latency measured from when each request was due
# (--latency-correction), so the percentiles are service latency at that
# rate rather than the queueing of a closed loop (64 connections / rate).
# The run is preceded by a warm-up of WARMUP (default 5s) at the same
# rate whose numbers are dropped (--warmup 0 measures a cold server).
# oha sends one body per request from the lines of a file (-Z), but picks
# each line at random (with replacement), so lines are made unique (new
# external id, email and phone) and 150 times as many as the requests: a
# repeat, answered 200 with the existing candidate, is then about 1 request
# in 300 (n/2N); oha's status code counts show how many there were.
#
# usage: scripts/load_create_assess.sh [--backend sqlite|postgres]
#        [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]
#        [--shared ../shared] [--duration 30s] [--connections 64]
#        [--rate REQUESTS_PER_SECOND [--warmup 5s|0]]
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
duration=30s
connections=64
backend=sqlite
rate=
warmup=5s
pg_admin=postgres://postgres@127.0.0.1:5432/postgres
while [ $# -gt 0 ]; do
    case "$1" in
        --backend) backend=$2; shift 2 ;;
        --postgres-url) pg_admin=$2; shift 2 ;;
        --shared) shared=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
work=$(mktemp -d)
dbname=hv_load_$$
cleanup() {
    kill "${server:-}" 2>/dev/null || true
    if [ "$backend" = postgres ]; then
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
. scripts/load_common.sh
case "$backend" in
    sqlite) db="sqlite://$work/hirevet.db" ;;
    postgres)
        psql "$pg_admin" -qc "CREATE DATABASE $dbname" >/dev/null
        db="${pg_admin%/*}/$dbname"
        ;;
    *) echo "--backend must be sqlite or postgres" >&2; exit 2 ;;
esac
export HIREVET_LISTS__AUTO_REFRESH=false HIREVET_INDICATORS__AUTO_REFRESH=false
export HIREVET_DATABASE_MAX_CONNECTIONS=${HIREVET_DATABASE_MAX_CONNECTIONS:-16}
import_lists "$db"
tenant=$($bin --database-url "$db" tenants create load)
key=$($bin --database-url "$db" keys create --tenant "$tenant" --scope candidates:write 2>/dev/null)
# Only the two imported lists are configured, so assessments are complete.
cat >"$work/config.toml" <<TOML
[[lists.sources]]
id = "us_ofac_sdn"
format = "ofac_csv"
locations = ["$sanctions/ofac_sdn_2024-05-03/sdn.csv"]
[[lists.sources]]
id = "un_sc"
format = "un_xml"
locations = ["$sanctions/un_consolidated_2026-02-27/consolidated.xml"]
TOML
start_server "$db" "$work/config.toml"
echo "server $base ($backend, $(nproc) cores shared by server, database and wrk)"
if [ -n "$rate" ]; then
    oha=.tools/bin/oha
    if [ ! -x "$oha" ]; then
        # Its own target dir: not the project's build cache.
        env -u CARGO_TARGET_DIR cargo install oha --locked --root .tools >&2
    fi
    case "$duration" in
        *m) seconds=$((${duration%m} * 60)) ;;
        *s) seconds=${duration%s} ;;
        *) seconds=$duration ;;
    esac
    awk -v n=$((rate * seconds * 150)) -v run=$$ 'BEGIN {
        split("512 737 214 469", areas, " ")
        split("Jeong Seong-hwa,Kim Min-jun,Lee Seo-yeon,Jane Doe,John Smith,Maria Garcia,Ri Chol-ho,Park Ji-sung,Mohammed Hassan,Avery Johnson", names, ",")
        for (i = 1; i <= n; i++)
            printf "{\"external_id\":\"r%d-%d\",\"full_name\":\"%s\",\"emails\":[\"r%d-%d@mail.example\"],\"phones\":[\"+1 %s %d %04d\"],\"claimed_location\":{\"country\":\"US\",\"timezone\":\"America/Chicago\"}}\n", run, i, names[i % 10 + 1], run, i, areas[i % 4 + 1], 201 + int(i / 40000) % 700, int(i / 4) % 10000
    }' >"$work/bodies.jsonl"
    # Written to disk now: left dirty, the file (about 190 bytes a line,
    # hundreds of MB) was flushed by the kernel some 20-30 s into the run,
    # and the database's fsyncs queued behind that write-back for a third
    # of a second: a stall of the machine, not of the service.
    sync "$work/bodies.jsonl"
    run_oha() {
        "$oha" --no-tui -z "$1" -q "$rate" --latency-correction -c "$connections" \
            -m POST -T application/json -H "Authorization: Bearer $key" \
            -Z "$work/bodies.jsonl" "$base/v1/candidates"
    }
    # Steady state is measured: a warm-up at the same rate first (its
    # numbers are dropped) opens the database connections and prepares
    # their statements, which made the first second of a cold server slow.
    if [ "$warmup" != 0 ]; then
        run_oha "$warmup" >/dev/null
    fi
    run_oha "$duration" >"$work/oha.txt"
    # The summary, the percentiles and the status codes (201 = created).
    sed -n '/^Summary/,/^  Average/p; /^Response time distribution/,/^$/p; /^Status code distribution/,$p' "$work/oha.txt"
    exit 0
fi
HIREVET_KEY=$key wrk -t2 -c"$connections" -d"$duration" --latency -s scripts/create_assess.lua "$base/v1/candidates"
