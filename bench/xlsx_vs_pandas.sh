#!/usr/bin/env bash
# Issue 18's figure: `orgcover import` of a 100,000-row .xlsx ledger (read, every rule
# checked, written to a new SQLite file with its audit rows) against pandas.read_excel
# (openpyxl) only reading the same file into a DataFrame, alternating, in the same run; and
# each side's peak resident memory.
#   bench/xlsx_vs_pandas.sh [ORGS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
orgs=${1:-100000}
runs=${2:-3}
source bench/lib.sh
python3 -c "import pandas, openpyxl" 2>/dev/null || { echo "needs pandas and openpyxl (pip install pandas openpyxl)"; exit 1; }
prepare_registry "$orgs"
xlsx="$work/orgs-$orgs-seed1.xlsx"
if [ ! -f "$xlsx" ]; then
    # Written by pandas through openpyxl, as a spreadsheet tool would: counts as numbers.
    python3 - "$csv" "$xlsx" <<'PY'
import sys, pandas
frame = pandas.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
for column in ["lon", "lat", "formal_members"]:
    frame[column] = pandas.to_numeric(frame[column].replace("", None))
frame.to_excel(sys.argv[2], sheet_name="社会组织", index=False)
PY
fi
db="$work/xlsx-import.db"
orgcover_run() {
    rm -f "$db"*
    timed env DATABASE_URL="sqlite://$db" "$bin" import "$xlsx"
}
pandas_run() {
    timed python3 -c "import sys, pandas; pandas.read_excel(sys.argv[1], dtype=str)" "$xlsx"
}
alternate orgcover_run pandas_run
echo "rows: $orgs ($(du -h "$xlsx" | cut -f1) .xlsx)"
echo "orgcover import (read, check, write SQLite): median $first_median s"
echo "pandas.read_excel (read only): median $second_median s"
echo "ratio (pandas / orgcover): $(echo "scale=2; $second_median / $first_median" | bc)"
rm -f "$db"*
peak_kib() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
ours=$(DATABASE_URL="sqlite://$db" peak_kib "$bin" import "$xlsx")
theirs=$(peak_kib python3 -c "import sys, pandas; pandas.read_excel(sys.argv[1], dtype=str)" "$xlsx")
echo "peak resident: orgcover $((ours / 1024)) MiB, pandas $((theirs / 1024)) MiB"
rm -f "$db"*
