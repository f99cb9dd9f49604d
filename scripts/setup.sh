#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already present.
#   scripts/setup.sh          the wasm32 target and wasm-bindgen-cli (pinned to Cargo.toml's version)
#   scripts/setup.sh --test   also Debian's chromium + chromium-driver and the browser-test npm packages
#   scripts/setup.sh --dist   also the build's npm package (binaryen, for wasm-opt)
# No prebuilt binaries are downloaded: the CLI is built from crates.io, Chromium comes from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
bindgen="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
have=$("$bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "building wasm-bindgen-cli $want from crates.io (about 2.5 minutes, once)"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ "${1:-}" = "--dist" ] && [ ! -d node_modules/binaryen ]; then
  say "installing the build's npm package (binaryen, for wasm-opt)"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--test" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    if [ "$(id -u)" -ne 0 ]; then
      echo "chromium is missing: run 'sudo apt-get install -y chromium chromium-driver' and retry" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y chromium chromium-driver || { apt-get update && apt-get install -y chromium chromium-driver; }
  fi
  if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
    say "installing the browser-test packages (playwright-core, driving Debian's chromium, and axe-core)"
    (cd tests/browser && npm ci --no-audit --no-fund)
  fi
fi
