#!/usr/bin/env bash
# Runs one fuzz target until it stops reaching new code of mlconform, and prints a summary.
#
#   bash fuzz/until-plateau.sh TARGET [QUIET_SECONDS [CAP_SECONDS]]
#
# Run from the fuzz/ folder. libFuzzer prints each program counter (PC) that an input reaches
# for the first time (`-print_pcs=1`), with its source line. The run stops when no new PC on a
# line of mlconform's `src/` has appeared for QUIET_SECONDS (default 300) of fuzzing, when
# CAP_SECONDS (default 3600) have passed, or when libFuzzer stops on a crash. The log goes to
# logs/TARGET-<start time>.log. Every 10 s, the elapsed seconds, the count of new PCs in src/,
# `cov:` and whether the corpus is loaded (1 or 0) go to the same name with `.own` in place
# of `.log`.
#
# libFuzzer's own counter (`cov:`) also counts code of other crates that the compiler placed in
# mlconform's functions: generic code such as hashbrown's tables and saphyr's parser, and
# inlined library code. Where a hash table probes depends on random hash keys, so that part
# keeps growing by chance, and `cov:` is reported but does not decide when the run stops.
#
# The target is built with counters in mlconform only (COVERAGE=mlconform, the default): with
# cargo directly, the flags `cargo fuzz build -O` uses, and sanitizer-coverage level 0 for
# every dependency and 4 for mlconform. Every crate keeps AddressSanitizer. COVERAGE=all
# builds with `cargo fuzz build -O`, which puts counters in every crate.
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
    -print_pcs=1 -print_final_stats=1 >>"$log" 2>&1 &
runner=$!

# New PCs on lines of mlconform's src/ folder, as the symbolizer names them. A PC without a
# line number is left out: the symbolizer then names the crate's root file, whatever the code.
src_dir="$(cd .. && pwd)/src/"
own_pcs() { grep -F 'NEW_PC:' "$log" | grep -F " $src_dir" | grep -cE ':[0-9]+(:[0-9]+)?$'; }
samples=${log%.log}.own

start=$(date +%s)
best=0
grew_at=$start
stopped=cap
while kill -0 "$runner" 2>/dev/null; do
    sleep 10
    now=$(date +%s)
    own=$(own_pcs)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    inited=0
    grep -q 'INITED' "$log" && inited=1
    echo "$((now - start)) $own ${cov:-0} $inited" >>"$samples"
    # Loading the corpus prints no PCs, so the quiet time starts when fuzzing does.
    if [ "$own" -gt "$best" ] || [ "$inited" = 0 ]; then
        best=$own
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
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
echo "$target ($coverage counters): stopped by $stopped after $((end - start)) s; $best new PCs in src/, \
the last at $((grew_at - start)) s; cov ${cov:-0}; ${runs:-0} inputs; log $log"

# The new PCs in src/ and the growth of `cov:` in the last 10 minutes of fuzzing, from the
# samples taken after the corpus was loaded.
awk -v window=600 '
    $4 == 1 { n++; t[n] = $1; own[n] = $2; cov[n] = $3 }
    END {
        if (n == 0) exit
        before = 1
        for (i = 1; i <= n; i++) if (t[i] <= t[n] - window) before = i
        printf "  in the last %d s of fuzzing: %d new PCs in src/, cov +%d\n", t[n] - t[before], own[n] - own[before], cov[n] - cov[before]
    }' "$samples"
