#!/usr/bin/env bash
# Runs one fuzz target until its coverage stops growing, and prints one summary line.
#
#   bash fuzz/until-plateau.sh TARGET [QUIET_SECONDS [CAP_SECONDS]]
#
# Run from the fuzz/ folder. The run stops when libFuzzer's coverage counter (`cov:`) has not
# grown for QUIET_SECONDS (default 300), when CAP_SECONDS (default 3600) have passed, or when
# libFuzzer stops on a crash. The log goes to logs/TARGET-<start time>.log.
#
# Coverage is counted in mlconform's own code only (COVERAGE=mlconform, the default): the
# target is built with cargo directly, with the flags `cargo fuzz build -O` uses, but with
# sanitizer-coverage level 0 for every dependency and 4 for mlconform. Every crate keeps
# AddressSanitizer. COVERAGE=all builds with `cargo fuzz build -O`, which counts coverage in
# every crate.
set -uo pipefail

target=$1
quiet=${2:-300}
cap=${3:-3600}
mkdir -p logs "corpus/$target"
log=logs/$target-$(date +%Y%m%dT%H%M%S).log

coverage=${COVERAGE:-mlconform}
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
mkdir -p "artifacts/$target"

# Build first, so that compile time does not count as fuzzing time.
if [ "$coverage" = all ]; then
    cargo +nightly fuzz build -O "$target" >"$log" 2>&1 || { echo "$target: build failed, see $log"; exit 2; }
    binary=target/$triple/release/$target
else
    # The sancov pass runs on every crate built for the target (not on build scripts, which
    # are built for the host without RUSTFLAGS), but instruments only where the level is 4.
    # A package's profile rustflags come before RUSTFLAGS, so RUSTFLAGS sets no level.
    RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
-Cllvm-args=-sanitizer-coverage-stack-depth --cfg fuzzing -Zsanitizer=address \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Ccodegen-units=1" \
        cargo +nightly build -Zprofile-rustflags --release --target "$triple" --target-dir target/focused \
        --config 'profile.release.debug="line-tables-only"' \
        --config 'profile.release.package."*".rustflags=["-Cllvm-args=-sanitizer-coverage-level=0"]' \
        --config 'profile.release.package.mlconform.rustflags=["-Cllvm-args=-sanitizer-coverage-level=4"]' \
        --bin "$target" >"$log" 2>&1 || { echo "$target: build failed, see $log"; exit 2; }
    binary=target/focused/$triple/release/$target
fi

# The tokens the target's input is made of, from dicts/. libFuzzer reads one -dict file, so
# the rule-pack target gets the YAML and rule-pack tokens joined beside its log.
case $target in
    yaml | front_matter) dicts=(dicts/yaml.dict) ;;
    rule_pack) dicts=(dicts/yaml.dict dicts/rule_pack.dict) ;;
    *) dicts=() ;;
esac
dict_option=()
if [ ${#dicts[@]} -gt 0 ]; then
    cat "${dicts[@]}" >"${log%.log}.dict"
    dict_option=(-dict="${log%.log}.dict")
fi

# A session of its own, so that the whole process tree can be stopped at once.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0} setsid "$binary" "corpus/$target" "${dict_option[@]}" \
    -artifact_prefix="artifacts/$target/" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 >>"$log" 2>&1 &
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
echo "$target ($coverage coverage): stopped by $stopped after $((end - start)) s; cov $best, last grew at $((grew_at - start)) s; ${runs:-0} inputs; log $log"

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
