#!/usr/bin/env bash
# Issue 21's figures of a past day at national scale: a 1M registry in SQLite served by the
# release build, asked for the division table of the end of the previous quarter (the
# registry rebuilt from the audit log, cold: the first question of that day), against the
# same table of today in the same run; then the dashboard (which draws eight quarters).
#
# Two histories:
#   recorded-late  the whole registry imported today: every organization is placed in
#                  time by its registration date alone (the heaviest case, 1M audit rows
#                  after the day)
#   a-year-old     the same import dated a year back (the bench's own copy of the file has
#                  its audit times moved; the service never rewrites its log), then 5 % of
#                  the organizations changed today by a second import (50,000 updates)
#   bench/past_date.sh [ORGS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
orgs=${1:-1000000}
runs=${2:-3}
source bench/lib.sh
need sqlite3 "apt-get install sqlite3"
prepare_registry "$orgs"
fresh="$work/past-fresh-$orgs.db"
aged="$work/past-aged-$orgs.db"
changed="$work/orgs-$orgs-changed.csv"
year_ago=$(( $(date -u +%Y) - 1 ))

if [ ! -f "$fresh" ]; then
    DATABASE_URL="sqlite://$fresh" "$bin" import "$csv" >/dev/null
    echo "bench-password-2026" | DATABASE_URL="sqlite://$fresh" "$bin" user add bench --role admin --password-stdin >/dev/null
fi
if [ ! -f "$aged" ]; then
    sqlite3 "$fresh" "VACUUM INTO '$aged'"
    sqlite3 "$aged" "DROP TRIGGER audit_rows_are_never_changed;
        UPDATE audit_log SET at = '$year_ago' || substr(at, 5);"
    # Every 20th organization with one more formal member.
    python3 - "$csv" "$changed" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as src, open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    rows = csv.DictReader(src)
    writer = csv.DictWriter(out, rows.fieldnames)
    writer.writeheader()
    for i, row in enumerate(rows):
        if i % 20 == 0:
            row["formal_members"] = str(int(row["formal_members"] or 0) + 1)
            writer.writerow(row)
PY
    DATABASE_URL="sqlite://$aged" "$bin" import "$changed" >/dev/null
fi

# The end of the previous quarter.
month=$(date -u +%-m)
year=$(date -u +%Y)
quarter_start=$(printf '%s-%02d-01' "$year" $(( (month - 1) / 3 * 3 + 1 )))
past=$(date -u -d "$quarter_start - 1 day" +%F)
echo "organizations: $orgs; the day asked: $past; medians of $runs"

port=18778
# Prints the seconds one GET takes.
get() {
    local answer
    answer=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$1")
    [ "${answer%% *}" = 200 ] || { echo "GET $1 answered ${answer%% *}" >&2; exit 1; }
    echo "${answer#* }"
}
for db in "$fresh" "$aged"; do
    token=$(DATABASE_URL="sqlite://$db" "$bin" token create bench --label past | grep -o 'oc_[0-9a-f]*')
    today_times=() past_times=() first_dashboards=() dashboards=()
    for _ in $(seq "$runs"); do
        log="$work/past-serve.log"
        DATABASE_URL="sqlite://$db" "$bin" serve --bind 127.0.0.1:$port >/dev/null 2>"$log" &
        pid=$!
        until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.1; done
        # The service reads the audit log for past days once it is up, behind the pages.
        until grep -aq "audit log read" "$log"; do sleep 0.2; done
        today_times+=("$(get "/api/coverage/divisions")")
        past_times+=("$(get "/api/coverage/divisions?as_of=$past")")
        first_dashboards+=("$(get "/")")
        dashboards+=("$(get "/")")
        rss=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status)
        kill $pid
        wait $pid 2>/dev/null || true
        grep -aE "audit log read|rebuilt|trend counted" "$log" | sed 's/.*INFO[^:]*: //' | tail -3
    done
    audit=$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE at >= '$past'")
    echo "== $(basename "$db") ($audit audit rows after $past)"
    echo "divisions today: $(middle "${today_times[@]}") s"
    echo "divisions as of $past (rebuilt, the first question of that day): $(middle "${past_times[@]}") s"
    echo "dashboard, first view (eight quarters counted): $(middle "${first_dashboards[@]}") s"
    echo "dashboard, next view (the trend kept): $(middle "${dashboards[@]}") s"
    echo "resident memory after: $rss MiB"
done
