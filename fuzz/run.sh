#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 5) from its seed corpus in
# fuzz/corpus/<target>/; new inputs go to a scratch directory, so the seeds stay as committed.
# A failing target's input lands in fuzz/artifacts/<target>/ and the script exits non-zero.
#   usage: fuzz/run.sh [SECONDS] [TARGET...]
# FUZZ_PROFILE=dev builds without optimisation (about 4 minutes cold on 2 cores instead of about
# 20; far fewer executions per second, with debug assertions on): for smoke runs.
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; without nightly it
# builds the stable one with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-5}
shift || true
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(request_route response_head chunked json_scan url config manifest list bundle
    engine_extract engine_rewrite normalize normalize_idempotent)
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
if [ "${FUZZ_PROFILE:-release}" = dev ]; then
  "${fuzz[@]}" build -D -s none
  bin=target/x86_64-unknown-linux-gnu/debug
else
  "${fuzz[@]}" build -s none
  bin=target/x86_64-unknown-linux-gnu/release
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t" "artifacts/$t"
  if "$bin/$t" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="artifacts/$t/" "$scratch/$t" "corpus/$t" \
    >"$scratch/$t.log" 2>&1; then
    echo "fuzz: $t ok ($(grep -o 'number_of_executed_units: [0-9]*' "$scratch/$t.log" | grep -o '[0-9]*$') executions in ${secs}s)"
  else
    echo "fuzz: $t FAILED"
    grep -A4 panicked "$scratch/$t.log" | head -8 || tail -20 "$scratch/$t.log"
    failed=1
  fi
done
exit "$failed"
