# Shared by the bench scripts (sourced): timing and medians.

# Stops the script unless PROGRAM is installed, saying how to install it.
need() {
    command -v "$1" >/dev/null || { echo "needs $1 ($2)"; exit 1; }
}

# Runs a command with its output discarded and prints its wall time in seconds.
timed() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

# The median of RUNS runs of a command that prints one time in seconds (`timed ...`, or a
# function that prepares each run and then times the part that counts).
median() {
    local times=()
    for _ in $(seq "$runs"); do times+=("$("$@")"); done
    middle "${times[@]}"
}

# The median of the times given as arguments.
middle() {
    printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# Runs two timing commands RUNS times, alternating, so that both meet the same load on a
# shared machine; sets first_median and second_median.
alternate() {
    local first=() second=()
    for _ in $(seq "$runs"); do
        first+=("$($1)")
        second+=("$($2)")
    done
    first_median=$(middle "${first[@]}")
    second_median=$(middle "${second[@]}")
}

# Builds the release binary and makes sure the generated registry of ORGS organizations
# (seed 1) is on disk; sets work, bin and csv for the script.
prepare_registry() {
    work=${BENCH_DIR:-target/bench-data}
    mkdir -p "$work"
    cargo build --release --quiet
    # ORGCOVER_BIN: another build to measure against (an A/B of one change).
    bin=${ORGCOVER_BIN:-target/release/orgcover}
    csv="$work/orgs-$1-seed1.csv"
    [ -f "$csv" ] || "$bin" generate --orgs "$1" --seed 1 --out "$csv" >/dev/null
}

# Times `orgcover import` of the registry into a new SQLite file FILE.
time_orgcover_import() {
    rm -f "$1"*
    timed env DATABASE_URL="sqlite://$1" "$bin" import "$csv"
}

# Times sqlite3's own `.import` of the registry's raw file into a new SQLite file FILE (a
# table of text columns, no validation, no index).
time_sqlite3_import() {
    rm -f "$1"*
    timed sqlite3 "$1" ".mode csv" ".import $csv orgs"
}
