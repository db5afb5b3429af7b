#!/usr/bin/env bash
# feed-rs against feedparser-rs on ../shared/eval/feeds, scored by its score.py, and the
# in-process parse time of the whole corpus for each. Usage: bench/feeds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL=$(cd "${EVAL:-../shared/eval}" && pwd)
OUT=$(pwd)/bench/out
mkdir -p "$OUT"
cargo build --release --quiet --manifest-path bench/feeds-compare/Cargo.toml --target-dir target/bench
BIN=$(pwd)/target/bench/release/feeds-compare
cd "$EVAL/feeds/corpus"
mapfile -t FILES < <(python3 -c "
import json
for l in open('../expected.jsonl'):
    r = json.loads(l)
    if 'skip' not in r: print(r['file'])")
for parser in feedparser-rs feed-rs; do
  echo "== $parser"
  for run in 1 2 3; do "$BIN" "$parser" "${FILES[@]}" 2>&1 >/dev/null; done
  "$BIN" "$parser" "${FILES[@]}" 2>/dev/null | python3 "$(dirname "$OUT")/feeds_map.py" "$EVAL/feeds" > "$OUT/feeds-$parser.jsonl"
  python3 "$EVAL/feeds/score.py" "$OUT/feeds-$parser.jsonl" | tail -n 16
done
