#!/usr/bin/env bash
# The main job: installs what is missing, builds the SDK, starts the collector
# (SQLite file parcours.db in this folder) and serves the demo shop.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/build.sh

step "start: building the collector (release; the first time takes a few minutes)"
cargo build --quiet --release -p parcours-collector

PORT="${PORT:-8787}"
step "start: collector on http://127.0.0.1:$PORT (Ctrl-C to stop)"
echo "Open the demo shop:  http://127.0.0.1:$PORT/demo/"
echo "Recorded sessions:   http://127.0.0.1:$PORT/sessions"
# The demo shop sends writeKey "demo_site"; batches without it are refused.
# The demo's surveys and their targeting rules are served from www/demo/surveys.json (GET /v1/surveys).
exec target/release/parcours-collector --port "$PORT" --db "${PARCOURS_DB:-parcours.db}" --www www --write-key demo_site \
  --surveys www/demo/surveys.json "$@"
