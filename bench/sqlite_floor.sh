#!/usr/bin/env bash
# What SQLite itself needs to write a registry into orgcover's schema, against `sqlite3
# .import` of the same raw file, in the same run: the floor under `orgcover import`'s SQLite
# figure. The sqlite3 shell inserts the rows it has already imported and typed (no parsing,
# no validation, no H3: a random 64-bit stand-in for the cell) into a fresh file made by
# `orgcover migrate`, the way orgcover's first load does: one transaction through the
# rollback journal, the organizations table's indexes dropped and built again at the end,
# one audit row per organization, then back to WAL. Only that transaction is timed.
#   bench/sqlite_floor.sh [ORGS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
orgs=${1:-1000000}
runs=${2:-3}
source bench/lib.sh
need sqlite3 "apt-get install sqlite3"
prepare_registry "$orgs"

raw="$work/floor-raw.db"
typed="$work/floor-typed.db"
schema="$work/floor-schema.db"
target="$work/floor.db"

peer() { time_sqlite3_import "$raw"; }

# The rows as orgcover's columns would hold them, built once outside the timing.
rm -f "$typed"* "$schema"*
sqlite3 "$raw" ".mode csv" ".import $csv orgs"
sqlite3 "$typed" "ATTACH '$raw' AS raw" "CREATE TABLE typed AS SELECT
    nullif(credit_code, '') AS credit_code, name, kind, level, division_code,
    nullif(address, '') AS address, CAST(nullif(lon, '') AS REAL) AS lon,
    CAST(nullif(lat, '') AS REAL) AS lat,
    CASE WHEN lon = '' THEN NULL ELSE 617700000000000000 + abs(random()) % 1000000000000 END AS cell,
    nullif(industry, '') AS industry, nullif(supervisor, '') AS supervisor,
    is_industry_association = 'true' AS is_industry_association,
    nullif(association, '') AS association,
    CAST(nullif(member_units, '') AS INTEGER) AS member_units,
    CAST(nullif(staff, '') AS INTEGER) AS staff,
    CAST(formal_members AS INTEGER) AS formal_members,
    CAST(probationary_members AS INTEGER) AS probationary_members,
    CAST(members_elsewhere AS INTEGER) AS members_elsewhere,
    nullif(registered_on, '') AS registered_on, status, party_org,
    nullif(party_org_established_on, '') AS party_org_established_on,
    nullif(last_election_on, '') AS last_election_on,
    nullif(last_report_on, '') AS last_report_on, nullif(instructor, '') AS instructor
    FROM raw.orgs"
DATABASE_URL="sqlite://$schema" "$bin" migrate >/dev/null
sqlite3 "$schema" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
indexes=$(sqlite3 "$schema" "SELECT name FROM sqlite_master WHERE type = 'index'
    AND tbl_name = 'organizations' AND sql IS NOT NULL")
creates=$(sqlite3 "$schema" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index'
    AND tbl_name = 'organizations' AND sql IS NOT NULL")

floor() {
    rm -f "$target"*
    cp "$schema" "$target"
    local start end
    start=$(date +%s.%N)
    {
        echo "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;"
        echo "PRAGMA cache_size = -262144; PRAGMA temp_store = memory;"
        echo "ATTACH '$typed' AS staged; BEGIN IMMEDIATE;"
        for index in $indexes; do echo "DROP INDEX $index;"; done
        echo "INSERT INTO organizations (credit_code, name, kind, level, division_code,
            address, lon, lat, cell, industry, supervisor, is_industry_association,
            association, member_units, staff, formal_members, probationary_members,
            members_elsewhere, registered_on, status, party_org, party_org_established_on,
            last_election_on, last_report_on, instructor, version, created_at, updated_at)
            SELECT *, 1, '2026-11-26T09:00:00.000000000+00:00',
            '2026-11-26T09:00:00.000000000+00:00' FROM staged.typed;"
        echo "INSERT INTO audit_log (at, actor, action, org_id, before, after)
            SELECT '2026-11-26T09:00:00.000000000+00:00', 'cli:bench', 'import', id, NULL,
            NULL FROM organizations ORDER BY id;"
        echo "$creates"
        echo "COMMIT; PRAGMA journal_mode = WAL;"
    } | sqlite3 "$target" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

ours_import() { time_orgcover_import "$work/floor-ours.db"; }

# The three alternate, run by run, so that each meets the same load.
peers=() floors=() ours=()
for _ in $(seq "$runs"); do
    peers+=("$(peer)")
    floors+=("$(floor)")
    ours+=("$(ours_import)")
done
peer_time=$(middle "${peers[@]}")
floor_time=$(middle "${floors[@]}")
ours_time=$(middle "${ours[@]}")
echo "organizations: $orgs, runs: $runs (median); sqlite3 shell $(sqlite3 --version | cut -d' ' -f1)"
echo "sqlite3 .import of the raw file: ${peer_time} s"
echo "SQLite alone writing the typed rows into orgcover's schema (the floor): ${floor_time} s ($(echo "scale=2; $peer_time / $floor_time" | bc)x)"
echo "orgcover import: ${ours_time} s ($(echo "scale=2; $peer_time / $ours_time" | bc)x)"
rm -f "$raw"* "$typed"* "$schema"* "$target"* "$work/floor-ours.db"*
