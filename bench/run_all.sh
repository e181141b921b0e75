#!/usr/bin/env bash
# Issue 7's whole benchmark suite in one command (about 20 minutes on 2 cores; not part
# of `.ci/run`). Generates its registries (1,000,000 and 5,000,000 organizations, fixed
# seeds) under target/bench-data, runs every measurement of docs/performance.md with the
# peers in the same run, and keeps the output in target/bench-data/results-DATE.txt.
#   bench/run_all.sh
#   ORGCOVER_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres bench/run_all.sh
# Needs: sqlite3 and wrk (apt-get install sqlite3 wrk); pandas and h3 (installed by the
# analysis script when missing); psql for the PostgreSQL pair.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench-data
results="target/bench-data/results-$(date +%Y%m%d-%H%M).txt"
section() { printf '\n## %s\n\n' "$1"; }
{
    echo "# orgcover benchmark suite, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, commit $(git rev-parse --short HEAD)"
    section "Rules and grouping at 1M (criterion)"
    cargo bench --quiet --bench decide 2>&1 | grep -E "^decide/|time:|grouping candidates"
    section "Aggregation, rollups, viewport, one change at 1M (criterion)"
    cargo bench --quiet --bench coverage 2>&1 | grep -E "^coverage/|time:"
    section "analyze 1M vs Python h3 + pandas"
    bench/analyze_vs_python.sh 1000000 3
    section "import 1M vs sqlite3 .import (and psql \\copy)"
    bench/import_vs_peers.sh 1000000 3
    section "import 1M: what SQLite alone needs for orgcover's schema (the floor)"
    bench/sqlite_floor.sh 1000000 3
    section "import 5M vs sqlite3 .import (one run each)"
    ORGCOVER_BENCH_POSTGRES="" bench/import_vs_peers.sh 5000000 1
    section "server at 1M under load (wrk, 32 connections)"
    bench/serve_load.sh 1000000 20
    section "OGC API: the first page of organizations at 1M, with and without a CQL2 filter"
    bench/ogc_filter.sh 1000000 30
    section "a past day's figures and the dashboard's trend at 1M"
    bench/past_date.sh 1000000 3
    section "sizing: import, disk, start-up and memory at 1M and 5M"
    bench/sizing.sh 1000000 5000000
} 2>&1 | tee "$results"
echo "kept in $results"
