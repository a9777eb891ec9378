#!/usr/bin/env bash
# Runs every test: native (core, collector), the core purity check, the
# browser tests of the shell (wasm-bindgen-test in headless Chromium), the
# TypeScript consumer, end-to-end tests (script tag and npm import against the
# real collector) and the size budget. Installs what is missing first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh --browser

step "test 1/7: native tests (parcours-core, parcours-collector on SQLite and on ClickHouse)"
CLICKHOUSE_DIR="$(mktemp -d)"
trap 'kill "$(cat "$CLICKHOUSE_DIR/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$CLICKHOUSE_DIR"' EXIT
PARCOURS_CLICKHOUSE="$(bash scripts/clickhouse.sh "$CLICKHOUSE_DIR")"
export PARCOURS_CLICKHOUSE
echo "ClickHouse for the store tests: $PARCOURS_CLICKHOUSE"
# The same server over TLS, with its private CA (where openssl made one).
if [ -f "$CLICKHOUSE_DIR/tls-url" ]; then
  export PARCOURS_CLICKHOUSE_TLS="$(cat "$CLICKHOUSE_DIR/tls-url")" PARCOURS_CLICKHOUSE_CA="$CLICKHOUSE_DIR/ca.pem"
  echo "and over TLS: $PARCOURS_CLICKHOUSE_TLS"
fi
cargo test --workspace

step "test 2/7: parcours-core stays platform-free"
bash scripts/check-core-purity.sh

step "test 3/7: build the SDK"
bash scripts/build.sh

step "test 4/7: browser tests of the shell (wasm-bindgen-test, headless Chromium)"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" cargo test --target wasm32-unknown-unknown --test browser

step "test 5/7: the published .d.ts type-checks a TypeScript consumer"
tsc -p tests/types/tsconfig.json && echo "tsc --noEmit: ok"

step "test 6/7: end-to-end tests in Chromium against the real collector"
cargo build --quiet -p parcours-collector
node --test --test-concurrency=1 tests/e2e/

step "test 7/7: size budget"
node scripts/size.mjs --check
