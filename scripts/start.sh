#!/usr/bin/env bash
# The main job: installs what is missing, builds the SDK, starts the collector
# (SQLite file parcours.db in this folder), serves the demo shop, and the
# journey map, which a first start fills with simulated visitors' journeys.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/build.sh

step "start: building the collector (release; the first time takes a few minutes)"
cargo build --quiet --release -p parcours-collector

DB="${PARCOURS_DB:-parcours.db}"
step "start: simulated visitors for the journey map (first start only)"
# About 340 visitors of the demo shop over the last 30 days, recorded by the
# SDK's own core; your own clicks in the demo join them on the map.
target/release/parcours-collector seed --events 5000 --if-empty --db "$DB"

PORT="${PORT:-8787}"
step "start: collector on http://127.0.0.1:$PORT (Ctrl-C to stop)"
echo "Open the demo shop:  http://127.0.0.1:$PORT/demo/"
echo "The journey map:     http://127.0.0.1:$PORT/map"
echo "Recorded sessions:   http://127.0.0.1:$PORT/sessions"
# The demo shop sends writeKey "demo_site"; batches without it are refused.
# The demo's surveys and their targeting rules are served from www/demo/surveys.json (GET /v1/surveys).
# Offline touchpoints (POST /v1/touchpoints) take the server key demo_server_key_1.
exec target/release/parcours-collector --port "$PORT" --db "$DB" --www www --write-key demo_site \
  --surveys www/demo/surveys.json --server-key demo_server_key_1 "$@"
