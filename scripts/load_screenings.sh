#!/usr/bin/env bash
# Load test of POST /v1/screenings over HTTP with wrk (installed from
# Debian's packages if missing): a release build of hirevet on SQLite with
# the OFAC 2024 SDN set (2025-01 aliases and addresses) and the UN 2026 list
# loaded, 64 connections from wrk's 2 threads on the same 2-core machine,
# for DURATION (default 30s), cycling through a mix of names (see
# scripts/screenings.lua). Prints wrk's report with latency percentiles.
#
# usage: scripts/load_screenings.sh [--shared ../shared] [--duration 30s] [--connections 64]
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
duration=30s
connections=64
while [ $# -gt 0 ]; do
    case "$1" in
        --shared) shared=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --locked --bin hirevet
bin=target/release/hirevet
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
db="sqlite://$work/hirevet.db"
export HIREVET_LISTS__AUTO_REFRESH=false
s=$shared/data/sanctions
$bin --database-url "$db" lists import --source us_ofac_sdn \
    --path "$s/ofac_sdn_2024-05-03/sdn.csv" --path "$s/ofac_sdn_aux_2025-01/alt.csv" \
    --path "$s/ofac_sdn_aux_2025-01/add.csv" >/dev/null
$bin --database-url "$db" lists import --source un_sc \
    --path "$s/un_consolidated_2026-02-27/consolidated.xml" >/dev/null
tenant=$($bin --database-url "$db" tenants create load)
key=$($bin --database-url "$db" keys create --tenant "$tenant" --scope screenings 2>/dev/null)
HIREVET_LOG=warn $bin --database-url "$db" serve --listen 127.0.0.1:0 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 100); do
    grep -q "hirevet listening on" "$work/serve.log" 2>/dev/null && break
    sleep 0.1
done
base=$(sed -n 's/^hirevet listening on //p' "$work/serve.log")
echo "server $base (SQLite, $(nproc) cores shared by server and wrk)"
HIREVET_KEY=$key wrk -t2 -c"$connections" -d"$duration" --latency -s scripts/screenings.lua "$base/v1/screenings"
