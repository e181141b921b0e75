#!/usr/bin/env bash
# Issue 7's import benchmark: `orgcover import` of a generated registry into SQLite (WAL,
# synchronous NORMAL; every row validated, its H3 cell computed and indexed, every row
# audited) against sqlite3's own `.import` of the same raw file into a table of text columns
# (no validation, no H3, no audit); and into PostgreSQL against `psql \copy`. Each the
# median of RUNS runs, alternating with the peer's runs.
#   bench/import_vs_peers.sh [ORGS] [RUNS]
#   ORGCOVER_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres for the PostgreSQL pair
set -euo pipefail
cd "$(dirname "$0")/.."
orgs=${1:-1000000}
runs=${2:-3}
source bench/lib.sh
need sqlite3 "apt-get install sqlite3"
prepare_registry "$orgs"

ours_sqlite() { time_orgcover_import "$work/import.db"; }
peer_sqlite() { time_sqlite3_import "$work/raw.db"; }
alternate ours_sqlite peer_sqlite
ours=$first_median
peer=$second_median
echo "organizations: $orgs, runs: $runs (median)"
echo "orgcover import into SQLite (validated, H3, audited): ${ours} s"
echo "sqlite3 .import of the raw file: ${peer} s"
echo "ratio (sqlite3 / orgcover): $(echo "scale=2; $peer / $ours" | bc)x"
rm -f "$work/import.db"* "$work/raw.db"*

if [ -n "${ORGCOVER_BENCH_POSTGRES:-}" ]; then
    server=${ORGCOVER_BENCH_POSTGRES%/*}
    fresh() { psql "$ORGCOVER_BENCH_POSTGRES" -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1; }
    ours_pg() {
        fresh orgcover_bench_import
        timed env DATABASE_URL="$server/orgcover_bench_import" "$bin" import "$csv"
    }
    peer_pg() {
        fresh orgcover_bench_copy
        local columns
        columns=$(head -n1 "$csv" | sed 's/^\xEF\xBB\xBF//; s/,/ text, /g; s/$/ text/')
        psql "$server/orgcover_bench_copy" -qc "CREATE TABLE orgs ($columns)" >/dev/null
        timed psql "$server/orgcover_bench_copy" -c "\\copy orgs FROM '$csv' CSV HEADER"
    }
    alternate ours_pg peer_pg
    ours=$first_median
    peer=$second_median
    echo "orgcover import into PostgreSQL (validated, H3, audited): ${ours} s"
    echo "psql \\copy of the raw file: ${peer} s"
    echo "ratio (psql / orgcover): $(echo "scale=2; $peer / $ours" | bc)x"
    psql "$ORGCOVER_BENCH_POSTGRES" -qc "DROP DATABASE orgcover_bench_import" -c "DROP DATABASE orgcover_bench_copy" >/dev/null 2>&1
fi
