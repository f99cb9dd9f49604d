# dln-explorer: `make serve` builds and serves the page, `make test` runs every test.
SHELL := bash
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
WASM := target/wasm32-unknown-unknown/wasm/dln_explorer.wasm
PORT ?= 8000

.PHONY: serve build dist setup test test-native test-browser lint fmt bench bench-frames size screenshot clean

## Build the wasm and serve the page on http://127.0.0.1:$(PORT)
serve: build
	node scripts/serve.mjs --port $(PORT)

## Build the wasm (the `wasm` profile: release, the kernels for speed, the rest for size) and its
## JS glue into www/pkg (without the function-name and producers sections, which only debuggers
## read)
build: setup
	cargo build --profile wasm --lib --target wasm32-unknown-unknown
	$(CARGO_BIN)/wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir www/pkg $(WASM)
	node scripts/glue.mjs www/pkg/dln_explorer.js
	@ls -l www/pkg/dln_explorer_bg.wasm | awk '{printf "wasm: %d bytes", $$5}'; \
	  gzip -9c www/pkg/dln_explorer_bg.wasm | wc -c | awk '{printf " (%d gzipped)\n", $$1}'

## Offline builds: dist/ (a static folder for any server and sub-path), dist/dln-explorer.html
## (the page as one self-contained file that works opened from disk) and dist/lab.html (the lab
## page as one such file)
dist: build
	@scripts/setup.sh --dist
	node scripts/dist.mjs dist

setup:
	@scripts/setup.sh

## Every test: formatting and lints, native tests, then the page in headless Chromium
test: lint test-native test-browser

test-native:
	cargo test --workspace --all-targets

test-browser: dist
	@scripts/setup.sh --test
	cargo build --bin dln
	cd tests/browser && npm test

## Steps per second natively, in headless Chromium (wasm) and in numpy, in one table
bench: build
	@scripts/setup.sh --test
	cargo build --release --bin dln
	node scripts/bench.mjs

## Frame intervals while playing (median, p95), long tasks and each chart's draw time, per page
## section, in headless Chromium at 1400 x 1000
bench-frames: build
	@scripts/setup.sh --test
	node scripts/bench-frames.mjs

## Rewrite docs/screenshot.png, the README's picture of the page
screenshot: build
	@scripts/setup.sh --test
	node scripts/screenshot.mjs

## What the page sends on load, file by file (raw, gzipped, brotli, as sent), for the served
## build and dist/, then the wasm's largest functions and its bytes by crate (twiggy, when
## installed: cargo install twiggy)
size: build
	@scripts/setup.sh --test
	node scripts/size.mjs
	@if command -v twiggy >/dev/null; then \
	  $(CARGO_BIN)/wasm-bindgen --target web --no-typescript --out-dir target/size-names $(WASM); \
	  echo; echo "largest functions (twiggy top, names kept for the profile):"; \
	  twiggy top -n 25 target/size-names/dln_explorer_bg.wasm; \
	  echo; node scripts/size-crates.mjs target/size-names/dln_explorer_bg.wasm; \
	else echo "(cargo install twiggy for the per-function breakdown)"; fi

## cargo fmt and clippy, native and wasm32
lint: setup
	@for f in www/*.js www/chapters/*.js www/examples/*.js tests/browser/*.mjs scripts/*.mjs; do node --input-type=module --check < $$f || { echo "syntax error in $$f"; exit 1; }; done
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --workspace --lib --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf www/pkg dist
