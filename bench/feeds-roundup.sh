#!/usr/bin/env bash
# `roundup feed` on ../shared/eval/feeds, scored by its score.py, with the in-process parse time,
# and the anchor (the feedparser-rs Python package, installed into a virtualenv here) timed on
# the same files in the same run. Usage: bench/feeds-roundup.sh [score.py options, e.g. -v]
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL=$(cd "${EVAL:-../shared/eval}" && pwd)
OUT=$(pwd)/bench/out
mkdir -p "$OUT"
cargo build --release --quiet
VENV=$(pwd)/target/bench/venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet feedparser-rs
HERE=$(pwd)
BIN=$(pwd)/target/release/roundup
cd "$EVAL/feeds/corpus"
mapfile -t FILES < <(python3 -c "
import json
for l in open('../expected.jsonl'):
    r = json.loads(l)
    if 'skip' not in r: print(r['file'])")
for run in 1; do ROUNDUP_FEED_TIMING=1 "$BIN" feed "${FILES[@]}" 2>&1 >/dev/null; done
printf '%s\n' "${FILES[@]}" | "$VENV/bin/python" "$HERE/bench/feeds_anchor_time.py"
"$BIN" feed "${FILES[@]}" > "$OUT/feeds-roundup.jsonl"
python3 "$EVAL/feeds/score.py" "$OUT/feeds-roundup.jsonl" "$@"
