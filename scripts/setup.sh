#!/usr/bin/env bash
# Installs what is missing, skipping what is already there:
#   Rust's wasm32 target and the standard library's source, the wasm-bindgen CLI (same version as the crate),
#   npm packages, and with --browser (the tests' needs) Debian's Chromium,
#   ChromeDriver and clickhouse-server (the collector's second store).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

step "setup: Rust target wasm32-unknown-unknown"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

step "setup: the standard library's source (the shipped wasm rebuilds it, see scripts/build.sh)"
if ! rustup component list --installed | grep -q '^rust-src'; then
  rustup component add rust-src
fi

step "setup: wasm-bindgen CLI $WASM_BINDGEN_VERSION"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  echo "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes on 2 cores, once)"
  # Not --locked: one of its locked dependencies is missing from the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

step "setup: npm packages"
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

if [ "${1:-}" = "--browser" ]; then
  step "setup: Chromium and ChromeDriver (Debian packages)"
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
  fi
  step "setup: ClickHouse server (Debian package)"
  if [ ! -x /usr/sbin/clickhouse-server ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    # The package's service is not started: the tests start their own server.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clickhouse-server
  fi
fi
