#!/usr/bin/env bash
# Issue 4's analysis benchmark: `orgcover analyze` of a generated national registry (decisions,
# joint-branch groups, gaps at resolution 7) against the Python peer (h3 + pandas: read, index
# at resolution 7, count per cell, write hexagons as GeoJSON), both on the same file in the
# same run; each the median of RUNS runs. Usage: bench/analyze_vs_python.sh [ORGS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
orgs=${1:-1000000}
runs=${2:-3}
python3 -c 'import h3, pandas' 2>/dev/null || python3 -m pip install -q 'h3>=4,<5' pandas
source bench/lib.sh
prepare_registry "$orgs"
ours=$(median timed "$bin" analyze "$csv" --out-dir "$work/analyze" --res 7 --today 2026-11-25)
peer=$(median timed python3 bench/python_baseline.py "$csv" "$work/python.geojson" 7)
echo "organizations: $orgs, runs: $runs (median)"
echo "orgcover analyze (decisions + groups + gaps): ${ours} s"
echo "python h3 + pandas (index + count + GeoJSON): ${peer} s"
echo "ratio (python / orgcover): $(echo "scale=2; $peer / $ours" | bc)x"
