#!/usr/bin/env bash
# Issue 20's CQL2 figure: a 1M registry in SQLite served by the release build, and the
# first page (limit 10, as QGIS asks) of /ogc/collections/organizations/items with a
# selective filter, beside the same page without one and with the same filter given as
# property parameters (what GDAL sends for -where). Each request is timed by curl, 30
# times in turn; the medians and the 90th percentiles are printed.
#   bench/ogc_filter.sh [ORGS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
orgs=${1:-1000000}
runs=${2:-30}
source bench/lib.sh
prepare_registry "$orgs"
db="$work/load-$orgs.db"
if [ ! -f "$db" ]; then
    DATABASE_URL="sqlite://$db" "$bin" import "$csv" >/dev/null
    echo "bench-password-2026" | DATABASE_URL="sqlite://$db" "$bin" user add bench --role admin --password-stdin >/dev/null
fi
token=$(DATABASE_URL="sqlite://$db" "$bin" token create bench --label ogc | grep -o 'oc_[0-9a-f]*')
port=18778
DATABASE_URL="sqlite://$db" "$bin" serve --bind 127.0.0.1:$port >/dev/null 2>"$work/serve-ogc.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.1; done
base="http://127.0.0.1:$port/ogc/collections/organizations/items?limit=10"
filter=$(python3 -c "import urllib.parse; print(urllib.parse.quote(\"kind = 'foundation' AND formal_members >= 3\"))")
declare -A asks=(
    [plain]="$base"
    [cql2]="$base&filter=$filter"
    [params]="$base&kind=foundation&formal_members=3"
    [cql2_sorted]="$base&filter=$filter&sortby=-formal_members"
)
for name in plain cql2 params cql2_sorted; do
    url=${asks[$name]}
    matched=$(curl -s -H "Authorization: Bearer $token" "$url" | python3 -c "import json, sys; print(json.load(sys.stdin)['numberMatched'])")
    times=()
    for _ in $(seq "$runs"); do
        times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$url")")
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    p50=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    p90=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int(NR*0.9)]}')
    printf '%-12s matched %8s  p50 %6.1f ms  p90 %6.1f ms\n' "$name" "$matched" \
        "$(echo "$p50 * 1000" | bc)" "$(echo "$p90 * 1000" | bc)"
done
