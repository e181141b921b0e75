#!/usr/bin/env bash
# Sizing for docs/operations.md: for each registry size, the import time, the database on
# disk (SQLite file, or PostgreSQL's pg_database_size), the server's start-up time (until
# /healthz answers 200) and its resident memory once ready. Not a test; minutes per size.
#   bench/sizing.sh [SIZES...]            default: 100000 1000000
#   ORGCOVER_SIZING_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres bench/sizing.sh 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/orgcover
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)

# Serves DATABASE_URL, prints "startup_seconds rss_mib" once /healthz answers 200.
measure_server() {
    local url=$1 port=18765
    local started=$(date +%s.%N)
    DATABASE_URL=$url $bin serve --bind 127.0.0.1:$port >/dev/null 2>&1 &
    local pid=$!
    until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.1; done
    local ready=$(date +%s.%N)
    sleep 2  # let the first catch-up settle
    local rss_kib=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    kill -TERM $pid; wait $pid || true
    echo "$(echo "$ready - $started" | bc) $((rss_kib / 1024))"
}

echo "| organizations | database | import (s) | on disk (MiB) | start-up (s) | memory (MiB) |"
echo "|---:|---|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
    csv=$work/orgs_$n.csv
    $bin generate --orgs "$n" --out "$csv" --seed 7 >/dev/null
    db=$work/orgs_$n.db
    t0=$(date +%s.%N)
    DATABASE_URL=sqlite://$db $bin import "$csv" >/dev/null
    t1=$(date +%s.%N)
    DATABASE_URL=sqlite://$db $bin migrate >/dev/null  # checkpoints the WAL into the file
    disk=$(( $(stat -c %s "$db") / 1048576 ))
    read -r startup rss < <(measure_server "sqlite://$db")
    printf "| %'d | SQLite | %.0f | %d | %.1f | %d |\n" "$n" "$(echo "$t1 - $t0" | bc)" "$disk" "$startup" "$rss"
    if [ -n "${ORGCOVER_SIZING_POSTGRES:-}" ]; then
        name=orgcover_sizing_$n
        psql "$ORGCOVER_SIZING_POSTGRES" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
        url=${ORGCOVER_SIZING_POSTGRES%/*}/$name
        t0=$(date +%s.%N)
        DATABASE_URL=$url $bin import "$csv" >/dev/null
        t1=$(date +%s.%N)
        disk=$(( $(psql "$url" -Atc "SELECT pg_database_size(current_database())") / 1048576 ))
        read -r startup rss < <(measure_server "$url")
        printf "| %'d | PostgreSQL | %.0f | %d | %.1f | %d |\n" "$n" "$(echo "$t1 - $t0" | bc)" "$disk" "$startup" "$rss"
        psql "$ORGCOVER_SIZING_POSTGRES" -qc "DROP DATABASE $name"
    fi
    rm -f "$csv" "$db" "$db"-wal "$db"-shm
done
