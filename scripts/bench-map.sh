#!/usr/bin/env bash
# The journey map's speed on both stores (figures, not a test): seeds
# simulated demo-shop visitors (1,000,000 events by default) into SQLite and
# into a private ClickHouse server, then times the map's aggregation, its
# filtered and drill-down queries and the map page in Chromium.
#   usage: bash scripts/bench-map.sh [--events N] [--runs N]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

step "bench-map: release build of the collector"
cargo build --quiet --release -p parcours-collector

step "bench-map: a private ClickHouse server"
CLICKHOUSE_DIR="$(mktemp -d)"
trap 'kill "$(cat "$CLICKHOUSE_DIR/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$CLICKHOUSE_DIR"' EXIT
CLICKHOUSE_URL="$(bash scripts/clickhouse.sh "$CLICKHOUSE_DIR")"

step "bench-map: seeding and timing the map on SQLite and ClickHouse"
node tests/bench/map.mjs --clickhouse "$CLICKHOUSE_URL" "$@"
