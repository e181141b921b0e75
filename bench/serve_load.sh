#!/usr/bin/env bash
# Issue 7's server benchmarks at national scale: a 1M registry in SQLite served by the
# release build; its start-up time and resident memory; wrk (32 connections, 2 threads)
# against a province viewport of /api/coverage/cells, /api/orgs/{id} and the map page, with
# requests per second and p50/p99 latency; and how long a registration through the API
# takes to show in the next coverage read.
#   bench/serve_load.sh [ORGS] [SECONDS per wrk run]
set -euo pipefail
cd "$(dirname "$0")/.."
orgs=${1:-1000000}
seconds=${2:-20}
source bench/lib.sh
need wrk "apt-get install wrk"
prepare_registry "$orgs"
db="$work/load-$orgs.db"
if [ ! -f "$db" ]; then
    DATABASE_URL="sqlite://$db" "$bin" import "$csv" >/dev/null
    echo "bench-password-2026" | DATABASE_URL="sqlite://$db" "$bin" user add bench --role admin --password-stdin >/dev/null
fi
token=$(DATABASE_URL="sqlite://$db" "$bin" token create bench --label load | grep -o 'oc_[0-9a-f]*')

port=18777
started=$(date +%s.%N)
DATABASE_URL="sqlite://$db" "$bin" serve --bind 127.0.0.1:$port >/dev/null 2>"$work/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.05; done
ready=$(date +%s.%N)
sleep 2
rss=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status)
echo "organizations: $orgs"
echo "ready after: $(echo "$ready - $started" | bc) s; resident memory: $rss MiB"

# Guangdong's extent at the resolution the map asks for at province zoom.
viewport="/api/coverage/cells?res=6&bbox=109.6,20.2,117.3,25.5"
cells=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port$viewport" | grep -o '"type":"Feature"' | wc -l)
echo "province viewport: $cells hexagons"
load() {
    wrk -t2 -c32 -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$@" |
        grep -E "Requests/sec|Transfer/sec|^ +50%|^ +99%|Non-2xx"
}
echo "== GET $viewport (no Accept-Encoding)"
load "http://127.0.0.1:$port$viewport"
echo "== GET $viewport (Accept-Encoding: gzip, as browsers send)"
load -H "Accept-Encoding: gzip, deflate" "http://127.0.0.1:$port$viewport"
for path in "/api/orgs/$((orgs / 2))" "/map"; do
    echo "== GET $path"
    load "http://127.0.0.1:$port$path"
done

echo "resident memory after the load: $(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status) MiB"

# A registration, then coverage reads until its hexagon counts it.
python3 - "$port" "$token" <<'PY'
import json, sys, time, urllib.request
port, token = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
bbox = "113.30,23.10,113.32,23.12"
def total():
    cells = call("GET", f"/api/coverage/cells?res=9&bbox={bbox}")["features"]
    return sum(f["properties"]["total"] for f in cells)
before = total()
start = time.perf_counter()
call("POST", "/api/orgs", {"name": f"基准测试社区组织{time.time_ns()}", "kind": "community", "level": "county",
     "division_code": "440104001", "lon": 113.31, "lat": 23.11, "formal_members": 1})
while total() == before:
    pass
print(f"registration visible in coverage after {(time.perf_counter() - start) * 1000:.1f} ms (POST included)")
PY
