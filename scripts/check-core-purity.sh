#!/usr/bin/env bash
# parcours-core must never know a browser exists: no wasm-bindgen, web-sys,
# js-sys or gloo among its dependencies (direct or not), nor in its source.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
deps="$(cargo tree -p parcours-core -e normal,build --prefix none)"
if echo "$deps" | grep -E '^(wasm-bindgen|web-sys|js-sys|gloo)' ; then
  echo "parcours-core depends on a browser crate (above); move that code to src/" >&2
  exit 1
fi
if grep -rnE '\b(wasm_bindgen|web_sys|js_sys|gloo)\b' core/src; then
  echo "parcours-core source mentions a browser crate (above)" >&2
  exit 1
fi
echo "parcours-core is platform-free"
