#!/usr/bin/env bash
# Two builds serving the same SQLite registry in turn, wrk (32 connections, 2 threads)
# against one organization and a province-sized viewport, two rounds alternating: for a
# change of the serving path measured against the build before it.
#   bench/serve_ab.sh OLD_BINARY NEW_BINARY DATABASE_FILE TOKEN [SECONDS]
set -euo pipefail
old=$1 new=$2 db=$3 token=$4 seconds=${5:-5}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
port=18790
for round in 1 2; do
    for build in old new; do
        bin=$new
        [ "$build" = old ] && bin=$old
        DATABASE_URL="sqlite://$db" "$bin" serve --bind 127.0.0.1:$port >/dev/null 2>&1 &
        pid=$!
        until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.05; done
        for path in /api/orgs/17 "/api/coverage/cells?res=6&bbox=106,37,123,46"; do
            figures=$(wrk -t2 -c32 -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
                "http://127.0.0.1:$port$path" |
                awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps" req/s, p50 "p50", p99 "p99}')
            echo "round $round, $build, $path: $figures"
        done
        kill $pid
        wait $pid 2>/dev/null || true
    done
done
