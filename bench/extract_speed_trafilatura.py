"""Pages per CPU-second of trafilatura (include_comments=False) over gzipped pages,
decompression included, single thread, best of three passes after a warm-up."""
import gzip
import sys
import time

import trafilatura

paths = sys.argv[1:]
raw = [open(p, "rb").read() for p in paths]
for data in raw[:5]:
    trafilatura.extract(gzip.decompress(data), include_comments=False)
best = None
for _ in range(3):
    t = time.process_time()
    for data in raw:
        trafilatura.extract(gzip.decompress(data), include_comments=False)
    dt = time.process_time() - t
    best = dt if best is None else min(best, dt)
print(f"{len(raw)} {best:.4f} {trafilatura.__version__}")
