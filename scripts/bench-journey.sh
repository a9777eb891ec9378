#!/usr/bin/env bash
# The journey engine over 1,000,000 synthetic events: natively, then in
# WebAssembly in headless Chromium. Prints figures; asserts nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
step "bench: journey engine, native (release)"
cargo bench --quiet -p parcours-server --bench journey
step "bench: journey engine, WebAssembly in headless Chromium (release)"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" WASM_BINDGEN_TEST_TIMEOUT=600 \
  cargo test --release --target wasm32-unknown-unknown --test journey_bench -- --nocapture 2>&1 \
  | grep -E "journey engine|test result"
