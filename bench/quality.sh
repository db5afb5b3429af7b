#!/usr/bin/env bash
# Quality of Roundup's stages on the shared evaluation sets, each scored by the scorer that
# ships with its set. Reads ../shared/eval (never copies it); writes predictions under
# bench/out/. Usage: bench/quality.sh [extraction|clustering|summarization|all]
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL=${EVAL:-../shared/eval}
OUT=bench/out
mkdir -p "$OUT"
cargo build --release --quiet
BIN=target/release/roundup
what=${1:-all}

if [[ $what == all || $what == extraction ]]; then
  echo "== extraction: $EVAL/extraction (score.py)"
  "$BIN" extract "$EVAL"/extraction/html/*.html.gz > "$OUT/extraction.jsonl"
  python3 "$EVAL/extraction/score.py" "$OUT/extraction.jsonl"
fi

if [[ $what == all || $what == clustering ]]; then
  echo "== clustering: all 772 ECB+ train+dev articles in one run (score.py)"
  "$BIN" cluster --input "$EVAL/clustering/ecbplus_docs.jsonl" > "$OUT/clustering.jsonl"
  python3 "$EVAL/clustering/score.py" "$EVAL/clustering/ecbplus_docs.jsonl" "$OUT/clustering.jsonl"
fi

if [[ $what == all || $what == summarization ]]; then
  echo "== summarization: Multi-News dev, 220 words (score.py --max-words 220)"
  "$BIN" summarize --input "$EVAL/summarization/multinews_dev.jsonl" --words 220 > "$OUT/summarization.jsonl"
  python3 "$EVAL/summarization/score.py" --refs "$EVAL/summarization/multinews_dev.jsonl" \
    --pred "$OUT/summarization.jsonl" --max-words 220
fi
