#!/usr/bin/env bash
# Extraction speed: `roundup extract` against trafilatura over the same gzipped pages of
# ../shared/eval/extraction, in one run. Both count decompression; both run single-threaded.
# Ours is the whole process (start-up, reading, JSON output included): CPU time from
# /usr/bin/time, best of three, and peak RSS. trafilatura (include_comments=False, installed
# into a virtualenv under target/bench/) is timed in-process, best of three, imports excluded.
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL=${EVAL:-../shared/eval}
cargo build --release --quiet
VENV=target/bench/venv-trafilatura
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet trafilatura lxml_html_clean
PAGES=("$EVAL"/extraction/html/*.html.gz)
N=${#PAGES[@]}
best_cpu=""; peak=0
for run in 1 2 3; do
  out=$( { /usr/bin/time -f "%U %S %M" target/release/roundup extract "${PAGES[@]}" > /dev/null; } 2>&1 | tail -1 )
  read -r user sys rss <<< "$out"
  cpu=$(python3 -c "print($user + $sys)")
  if [ -z "$best_cpu" ] || python3 -c "import sys; sys.exit(0 if $cpu < $best_cpu else 1)"; then best_cpu=$cpu; fi
  [ "$rss" -gt "$peak" ] && peak=$rss
done
read -r tn tcpu tver <<< "$("$VENV/bin/python" bench/extract_speed_trafilatura.py "${PAGES[@]}")"
python3 - "$N" "$best_cpu" "$peak" "$tn" "$tcpu" "$tver" <<'PY'
import sys
n, ours, peak, tn, theirs, ver = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
a, b = n / ours, tn / theirs
print(f"roundup extract: {n} pages in {ours:.3f} CPU-s = {a:.0f} pages/CPU-s (whole process), peak RSS {peak/1024:.1f} MiB")
print(f"trafilatura {ver} (include_comments=False): {tn} pages in {theirs:.3f} CPU-s = {b:.0f} pages/CPU-s (in-process)")
print(f"ratio: {a/b:.2f}x")
PY
