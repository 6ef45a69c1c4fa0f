#!/usr/bin/env bash
# Runs one fuzz target until its coverage stops growing, and prints one summary line.
#
#   bash fuzz/until-plateau.sh TARGET [QUIET_SECONDS [CAP_SECONDS]]
#
# Run from the fuzz/ folder. The run stops when libFuzzer's coverage counter (`cov:`) has not
# grown for QUIET_SECONDS (default 300), when CAP_SECONDS (default 3600) have passed, or when
# libFuzzer stops on a crash. The log goes to logs/TARGET-<start time>.log.
set -uo pipefail

target=$1
quiet=${2:-300}
cap=${3:-3600}
mkdir -p logs "corpus/$target"
log=logs/$target-$(date +%Y%m%dT%H%M%S).log

# Build first, so that compile time does not count as fuzzing time.
cargo +nightly fuzz build -O "$target" >"$log" 2>&1 || { echo "$target: build failed, see $log"; exit 2; }

# A session of its own, so that the whole process tree can be stopped at once.
setsid cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
    -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 >>"$log" 2>&1 &
runner=$!

start=$(date +%s)
best=0
grew_at=$start
stopped=cap
while kill -0 "$runner" 2>/dev/null; do
    sleep 10
    now=$(date +%s)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    if [ -n "$cov" ] && [ "$cov" -gt "$best" ]; then
        best=$cov
        grew_at=$now
    fi
    if [ $((now - grew_at)) -ge "$quiet" ]; then
        stopped=plateau
        break
    fi
    if [ $((now - start)) -ge "$cap" ]; then
        break
    fi
done
if kill -0 "$runner" 2>/dev/null; then
    kill -INT -- "-$runner" 2>/dev/null
    wait "$runner" 2>/dev/null
else
    wait "$runner"
    code=$?
    stopped="libFuzzer exit $code"
fi
end=$(date +%s)
runs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
echo "$target: stopped by $stopped after $((end - start)) s; cov $best, last grew at $((grew_at - start)) s; ${runs:-0} inputs; log $log"

# The coverage gained in the last 10 minutes, from libFuzzer's status lines
# ("#N ... cov: C ... exec/s: E"). E is the average rate since the start, so N / E is the
# time of the line in seconds.
awk -v window=600 '
    match($0, /^#[0-9]+/) {
        n = substr($0, 2, RLENGTH - 1)
        if (!match($0, /cov: [0-9]+/)) next
        c = substr($0, RSTART + 5, RLENGTH - 5)
        if (!match($0, /exec\/s: [0-9]+/)) next
        e = substr($0, RSTART + 8, RLENGTH - 8)
        if (e == 0) next
        count++; t[count] = n / e; cov[count] = c
    }
    END {
        if (count == 0) exit
        before = 0
        for (i = 1; i <= count; i++) if (t[i] <= t[count] - window) before = cov[i]
        printf "  cov gained in the last %d s: %d\n", window, cov[count] - before
    }' "$log"
