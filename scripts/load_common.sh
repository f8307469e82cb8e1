# Shared set-up of the HTTP load scripts (sourced, not run): wrk from
# Debian's packages if missing, a release build, the OFAC 2024 SDN set
# (2025-01 aliases and addresses) and the UN 2026 list imported into a
# database, and a server on an ephemeral port.
#
# Expects: $shared (the shared data folder), $work (a scratch directory).
# Optional: LOAD_HIREVET_BIN (a hirevet binary to run instead of building).
# Provides: bin, import_lists DB, start_server DB [CONFIG] (sets $base and
# $server).

if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
# LOAD_HIREVET_BIN runs a prebuilt binary instead (to measure two builds
# back to back with the same script; not HIREVET_*, which the server
# reads as configuration and rejects when unknown).
if [ -n "${LOAD_HIREVET_BIN:-}" ]; then
    bin=$LOAD_HIREVET_BIN
else
    cargo build --release --locked --bin hirevet
    bin=${CARGO_TARGET_DIR:-target}/release/hirevet
fi
sanctions=$shared/data/sanctions

import_lists() {
    $bin --database-url "$1" lists import --source us_ofac_sdn \
        --path "$sanctions/ofac_sdn_2024-05-03/sdn.csv" \
        --path "$sanctions/ofac_sdn_aux_2025-01/alt.csv" \
        --path "$sanctions/ofac_sdn_aux_2025-01/add.csv" >/dev/null
    $bin --database-url "$1" lists import --source un_sc \
        --path "$sanctions/un_consolidated_2026-02-27/consolidated.xml" >/dev/null
}

start_server() {
    local config=()
    if [ -n "${2:-}" ]; then config=(--config "$2"); fi
    HIREVET_LOG=warn $bin "${config[@]}" --database-url "$1" serve --listen 127.0.0.1:0 \
        2>"$work/serve.log" &
    server=$!
    for _ in $(seq 1 100); do
        grep -q "hirevet listening on" "$work/serve.log" 2>/dev/null && break
        sleep 0.1
    done
    base=$(sed -n 's/^hirevet listening on //p' "$work/serve.log")
}
