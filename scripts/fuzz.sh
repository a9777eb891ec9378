#!/usr/bin/env bash
# Fuzzes the collector's batch decoder and the core's config parser with
# cargo fuzz (libFuzzer) for a bounded time each, starting from the seeds in
# fuzz/seeds. A crash fails the run and leaves the input in fuzz/artifacts.
#
#   bash scripts/fuzz.sh [seconds per target, default 60]
#
# cargo fuzz wants nightly compiler flags; RUSTC_BOOTSTRAP lets the one
# stable toolchain of these machines accept them. No sanitizer: the core is
# safe Rust (no `unsafe`), so libFuzzer looks for panics, which are bugs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT/fuzz"

SECONDS_PER_TARGET="${1:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  step "fuzz: installing cargo-fuzz"
  cargo install --quiet --locked cargo-fuzz@0.13.2
fi

export RUSTC_BOOTSTRAP=1
for target in batch_decode config_parse; do
  step "fuzz: $target for ${SECONDS_PER_TARGET}s"
  corpus="$ROOT/target/fuzz-corpus/$target"
  mkdir -p "$corpus"
  cp seeds/"$target"/* "$corpus"/
  log="$ROOT/target/fuzz-$target.log"
  if ! cargo fuzz run --sanitizer none "$target" "$corpus" -- \
      -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $target found a failing input; see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  cov="$(grep -o 'DONE *cov: [0-9]*' "$log" | grep -o '[0-9]*$' || true)"
  echo "$target: $runs inputs in ${SECONDS_PER_TARGET}s, $cov coverage points, 0 failures, corpus $(ls "$corpus" | wc -l) files"
done
