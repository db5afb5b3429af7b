"""In-process parse time of the feedparser-rs Python package (the anchor of issue 10) over the
same files `roundup feed` parses: bytes read first, then parse() timed, best of three."""
import sys
import time

import feedparser_rs

files = [line.strip() for line in sys.stdin if line.strip()]
data = [open(f, "rb").read() for f in files]
best = None
for _ in range(3):
    t = time.process_time()
    for d in data:
        try:
            feedparser_rs.parse(d)
        except Exception:
            pass
    dt = time.process_time() - t
    best = dt if best is None else min(best, dt)
print(f"feedparser-rs {feedparser_rs.__version__ if hasattr(feedparser_rs, '__version__') else ''} (Python package): "
      f"{len(data)} files parsed in-process in {best:.4f} s CPU (best of 3)")
