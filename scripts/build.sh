#!/usr/bin/env bash
# Builds the SDK: Rust -> wasm32 -> wasm-bindgen -> wasm-opt -Oz, then
#   pkg/        the npm package (ESM entry, .d.ts, package.json assembled here)
#   www/dist/   the script-tag bundle (loader JS + .wasm)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

step "build: Rust -> WebAssembly (release, size-tuned profile)"
# Paths of this machine stay out of the shipped file, so the same sources give
# the same bytes (and the same integrity hashes) wherever they are built.
export RUSTFLAGS="--remap-path-prefix=$HOME/.cargo/registry/src=/crates --remap-path-prefix=$ROOT=/parcours"
cargo build --quiet --target wasm32-unknown-unknown --profile wasm -p parcours --features bundle

step "build: wasm-bindgen"
rm -rf target/bindgen
wasm-bindgen --target web --out-dir target/bindgen --out-name parcours \
  target/wasm32-unknown-unknown/wasm/parcours.wasm

step "build: wasm-opt -Oz"
# Rust's wasm32 target enables these features by default; wasm-opt must know.
wasm-opt -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  target/bindgen/parcours_bg.wasm -o target/bindgen/parcours_bg.wasm

step "build: npm package in pkg/"
rm -rf pkg && mkdir -p pkg
cp target/bindgen/parcours_bg.wasm pkg/
cp target/bindgen/parcours.js pkg/core.js
cp target/bindgen/parcours.d.ts pkg/core.d.ts
# Every module of the facade (entry points and the snippet are not modules of it).
for module in www/src/*.js; do
  case "$(basename "$module")" in script-tag.js|npm-entry.js|snippet.js) ;; *) cp "$module" pkg/ ;; esac
done
cp www/src/npm-entry.js pkg/index.js
cp www/src/index.d.ts pkg/index.d.ts
node scripts/assemble-pkg.mjs

step "build: script-tag bundle in www/dist/"
rm -rf www/dist && mkdir -p www/dist
cp target/bindgen/parcours_bg.wasm www/dist/
WASM_SRI="$(node scripts/sri.mjs www/dist/parcours_bg.wasm)"
esbuild www/src/script-tag.js --bundle --minify --format=iife --target=es2020 \
  --log-level=warning --log-override:empty-import-meta=silent \
  --define:PARCOURS_WASM_SRI="'$WASM_SRI'" --outfile=www/dist/parcours.js
JS_SRI="$(node scripts/sri.mjs www/dist/parcours.js)"
esbuild www/src/snippet.js --minify --log-level=warning --outfile=www/dist/snippet.min.js
sed -i "s|PARCOURS_JS_SRI|$JS_SRI|" www/dist/snippet.min.js
echo "Subresource Integrity (the snippet and the loader carry these):"
echo "  www/dist/parcours.js       $JS_SRI"
echo "  www/dist/parcours_bg.wasm  $WASM_SRI"
node scripts/readme-snippet.mjs || true
