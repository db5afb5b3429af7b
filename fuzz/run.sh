#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 60), seeded from the test fixtures and the config
# templates. Installs cargo-fuzz from crates.io when it is missing. A crash fails the script
# and leaves its input under fuzz/artifacts/TARGET/. Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(feed extract config)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1   # cargo-fuzz needs nightly flags; the stable toolchain allows them this way
mkdir -p corpus/feed corpus/extract corpus/config
cp ../tests/fixtures/*.xml ../tests/fixtures/*.json corpus/feed/
cp ../tests/fixtures/*.html corpus/extract/
cp ../templates/init/*.toml corpus/config/
for t in "${TARGETS[@]}"; do
  echo "== fuzz $t for ${SECS}s"
  cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=2048
done
