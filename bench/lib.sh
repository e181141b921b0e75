# Shared by the bench scripts (sourced): timing and medians.

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
    bin=target/release/orgcover
    csv="$work/orgs-$1-seed1.csv"
    [ -f "$csv" ] || "$bin" generate --orgs "$1" --seed 1 --out "$csv" >/dev/null
}
