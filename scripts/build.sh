#!/usr/bin/env bash
# Builds the SDK: Rust -> wasm32 -> wasm-bindgen -> wasm-opt -Os, then
#   pkg/        the npm package (ESM entry, .d.ts, package.json assembled here)
#   www/dist/   the script-tag bundle (loader JS + .wasm)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

step "build: Rust -> WebAssembly (release, size-tuned profile): the widget"
# Paths of this machine stay out of the shipped file, so the same sources give
# the same bytes (and the same integrity hashes) wherever they are built.
export RUSTFLAGS="--remap-path-prefix=$HOME/.cargo/registry/src=/crates --remap-path-prefix=$ROOT=/parcours"
# The standard library is rebuilt for the shipped wasm with panics that trap
# at once: a panic's message (core::fmt, the slice and RefCell texts) is
# never shown in a browser, and it is the only user of core::fmt left in
# the builds (-0.8 KB gzip per module; see HACKING.md, Size). These flags
# are unstable: RUSTC_BOOTSTRAP lets the pinned stable toolchain accept them
# (as for cargo fuzz), and `rustup component add rust-src` (scripts/setup.sh)
# provides the library's source.
export RUSTC_BOOTSTRAP=1
# No file and line in what is left of panics, and no Debug formatting
# (nothing in the shipped wasm prints with {:?}).
RUSTFLAGS="$RUSTFLAGS -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"
# Less inlining than opt-level "z" does by default (LLVM's threshold 10):
# an inlined copy of a helper is bytes gzip cannot share between callers
# (-0.3 KB gzip on the lite wasm, -1.3 KB with surveys and destinations;
# measured thresholds 0 to 50, see HACKING.md, Size).
RUSTFLAGS="$RUSTFLAGS -Cllvm-args=-inline-threshold=10"
BUILD_STD=(-Z build-std=std,panic_abort)
cargo build --quiet "${BUILD_STD[@]}" --target wasm32-unknown-unknown --profile wasm -p parcours-widget --features bundle

# bindgen <crate file name> <out dir> <out name>: wasm-bindgen, then wasm-opt.
bindgen() {
  rm -rf "$2"
  wasm-bindgen --target web --out-dir "$2" --out-name "$3" "target/wasm32-unknown-unknown/wasm/$1.wasm"
  # Rust's wasm32 target enables these features by default; wasm-opt must know.
  # --low-memory-unused: the first 1 KB of memory is never used by Rust's
  # output (the stack would have to be 1 MB deep to reach it; JSON nesting
  # is capped at 64); it lets wasm-opt fold address arithmetic (-0.5 KB gzip).
  # --converge repeats the passes until they gain nothing (-0.3 KB gzip); the
  # target_features section only matters to tools that link the module again.
  # -Os rather than -Oz, and a function with one caller is inlined only
  # when it is tiny (30 bytes; binaryen inlines any size by default): code
  # left in its own function compresses better (-0.7 KB gzip on the lite
  # wasm, -1.8 KB with surveys and destinations; see HACKING.md, Size).
  wasm-opt -Os --converge --one-caller-inline-max-function-size=30 --low-memory-unused --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$2/$3_bg.wasm" -o "$2/$3_bg.wasm"
}
step "build: wasm-bindgen and wasm-opt"
bindgen parcours_widget target/bindgen-widget parcours_widget

# The SDK is built once per combination of what a page uses, and each page
# loads only its own: surveys (definitions, targeting, prompts) and
# destinations (one outbox per destination) are left out of the builds of
# pages without them.
step "build: the SDK four ways (surveys and destinations, surveys, destinations, neither)"
sdk() { # sdk <out dir> <cargo feature flags...>
  local out="$1"
  shift
  cargo build --quiet "${BUILD_STD[@]}" --target wasm32-unknown-unknown --profile wasm -p parcours "$@"
  bindgen parcours "$out" parcours
}
# Every build has the page-experience detectors (`vitals`: Web Vitals, slow
# interactions, layout shifts, excessive scrolling).
sdk target/bindgen --no-default-features --features bundle,vitals,surveys,destinations
sdk target/bindgen-surveys --no-default-features --features bundle,vitals,surveys
sdk target/bindgen-destinations --no-default-features --features bundle,vitals,destinations
sdk target/bindgen-lite --no-default-features --features bundle,vitals
# The diagnostics build: everything, with the words of errors (`explain`),
# fetched only when there is an error to word. It brings its own glue.
sdk target/bindgen-explain --no-default-features --features bundle,vitals,surveys,destinations,texts
# One hand-written port (www/src/port.js) calls every build: each must
# import only what it provides and answer through it (see HACKING.md, The port).
node scripts/check-port.mjs target/bindgen{-lite,-surveys,-destinations,}/parcours_bg.wasm

step "build: npm package in pkg/"
rm -rf pkg && mkdir -p pkg
cp target/bindgen-lite/parcours_bg.wasm pkg/parcours_bg.wasm
cp target/bindgen-surveys/parcours_bg.wasm pkg/parcours_surveys_bg.wasm
cp target/bindgen-destinations/parcours_bg.wasm pkg/parcours_destinations_bg.wasm
cp target/bindgen/parcours_bg.wasm pkg/parcours_full_bg.wasm
cp target/bindgen/parcours.d.ts pkg/core.d.ts
cp target/bindgen-widget/parcours_widget_bg.wasm pkg/
cp target/bindgen-explain/parcours_bg.wasm pkg/parcours_explain_bg.wasm
cp target/bindgen-explain/parcours.js pkg/explain-core.js
cp target/bindgen-widget/parcours_widget.js pkg/widget-core.js
# Every module of the facade (entry points and the snippet are not modules of it).
for module in www/src/*.js; do
  case "$(basename "$module")" in script-tag.js|npm-entry.js|snippet.js|*-script-tag.js|*-npm.js) ;; *) cp "$module" pkg/ ;; esac
done
cp www/src/npm-entry.js pkg/index.js
cp www/src/widget-npm.js pkg/widget.js
cp www/src/explain-npm.js pkg/explain.js
cp www/src/index.d.ts pkg/index.d.ts
node scripts/assemble-pkg.mjs

step "build: script-tag bundle in www/dist/"
rm -rf www/dist && mkdir -p www/dist
cp target/bindgen-lite/parcours_bg.wasm target/bindgen-widget/parcours_widget_bg.wasm www/dist/
cp target/bindgen-surveys/parcours_bg.wasm www/dist/parcours_surveys_bg.wasm
cp target/bindgen-destinations/parcours_bg.wasm www/dist/parcours_destinations_bg.wasm
cp target/bindgen/parcours_bg.wasm www/dist/parcours_full_bg.wasm
cp target/bindgen-explain/parcours_bg.wasm www/dist/parcours_explain_bg.wasm
sri() { node scripts/sri.mjs "www/dist/$1"; }
# The four builds' hashes, by name, for the loader.
SDK_SRI="{\"lite\":\"$(sri parcours_bg.wasm)\",\"surveys\":\"$(sri parcours_surveys_bg.wasm)\",\"destinations\":\"$(sri parcours_destinations_bg.wasm)\",\"full\":\"$(sri parcours_full_bg.wasm)\"}"
WIDGET_WASM_SRI="$(sri parcours_widget_bg.wasm)"
# bundle <entry> <out> <defines...>: one minified classic script. esbuild
# bundles, terser minifies: three compress passes make the loader 0.8 KB
# gzip smaller than esbuild's own minifier (measured on parcours.js).
bundle() {
  local entry="$1" out="$2"
  shift 2
  esbuild "$entry" --bundle --format=iife --target=es2020 \
    --log-level=warning --log-override:empty-import-meta=silent "$@" --outfile="$out.tmp.js"
  terser "$out.tmp.js" --ecma 2020 --compress passes=3 --mangle --output "$out"
  rm "$out.tmp.js"
}
bundle www/src/widget-script-tag.js www/dist/parcours-widget.js \
  --define:PARCOURS_WIDGET_WASM_SRI="'$WIDGET_WASM_SRI'"
WIDGET_SRI="$(node scripts/sri.mjs www/dist/parcours-widget.js)"
bundle www/src/explain-script-tag.js www/dist/parcours-explain.js \
  --define:PARCOURS_EXPLAIN_WASM_SRI="'$(sri parcours_explain_bg.wasm)'"
EXPLAIN_SRI="$(sri parcours-explain.js)"
bundle www/src/survey-kit-script-tag.js www/dist/parcours-surveys.js
SURVEYS_SRI="$(sri parcours-surveys.js)"
bundle www/src/destinations-kit-script-tag.js www/dist/parcours-destinations.js
DESTINATIONS_SRI="$(sri parcours-destinations.js)"
bundle www/src/script-tag.js www/dist/parcours.js \
  --define:PARCOURS_SDK_SRI="$SDK_SRI" --define:PARCOURS_SURVEYS_SRI="'$SURVEYS_SRI'" \
  --define:PARCOURS_DESTINATIONS_SRI="'$DESTINATIONS_SRI'" --define:PARCOURS_EXPLAIN_SRI="'$EXPLAIN_SRI'" --define:PARCOURS_WIDGET_SRI="'$WIDGET_SRI'"
JS_SRI="$(node scripts/sri.mjs www/dist/parcours.js)"
esbuild www/src/snippet.js --minify --log-level=warning --outfile=www/dist/snippet.min.js
sed -i "s|PARCOURS_JS_SRI|$JS_SRI|" www/dist/snippet.min.js
echo "Subresource Integrity (the snippet and the loader carry these):"
echo "  www/dist/parcours.js       $JS_SRI"
echo "  the four builds of the SDK  $SDK_SRI"
echo "  www/dist/parcours-surveys.js       $SURVEYS_SRI"
echo "  www/dist/parcours-destinations.js  $DESTINATIONS_SRI"
echo "  www/dist/parcours-widget.js         $WIDGET_SRI"
echo "  www/dist/parcours_widget_bg.wasm    $WIDGET_WASM_SRI"
node scripts/readme-snippet.mjs || true
