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
work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
. scripts/load_common.sh
db="sqlite://$work/hirevet.db"
export HIREVET_LISTS__AUTO_REFRESH=false
import_lists "$db"
tenant=$($bin --database-url "$db" tenants create load)
key=$($bin --database-url "$db" keys create --tenant "$tenant" --scope screenings 2>/dev/null)
start_server "$db"
echo "server $base (SQLite, $(nproc) cores shared by server and wrk)"
HIREVET_KEY=$key wrk -t2 -c"$connections" -d"$duration" --latency -s scripts/screenings.lua "$base/v1/screenings"
