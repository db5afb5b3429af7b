"""Two-fold cross-validation of the summarizer's relevance weights (src/summarize/mod.rs).

The weights (centroid, lead, support) and MMR's lambda were chosen on
../shared/eval/summarization/multinews_dev.jsonl. This script checks that choosing them that way
generalizes: the 106 clusters are split into two folds (odd and even rows); on each fold the
grid point with the best ROUGE-2 on the *other* fold is scored, and the held-out scores are
pooled. Usage: python3 bench/summarization_cv.py (from the repo root, after
`cargo build --release`; needs `pip install nltk` for the scorer's stemmer).
"""
import itertools
import json
import os
import subprocess
import sys

EVAL = os.environ.get("EVAL", "../shared/eval")
DATA = os.path.join(EVAL, "summarization", "multinews_dev.jsonl")
sys.path.insert(0, os.path.join(EVAL, "summarization"))
import score  # noqa: E402

GRID = {"centrality": [0.6], "lead": [0.2, 0.4], "support": [0.0, 0.6, 1.0, 1.6], "lambda": [0.7, 0.9]}
refs = score.read_jsonl(DATA)
scorer = score.Scorer(stem=True)


def run(weights):
    env = dict(os.environ, ROUNDUP_SUMMARY_WEIGHTS=",".join(str(w) for w in weights))
    out = subprocess.run(["target/release/roundup", "summarize", "--input", DATA, "--words", "220"],
                         env=env, capture_output=True, text=True, check=True).stdout
    preds = {}
    for line in out.splitlines():
        r = json.loads(line)
        preds[r["id"]] = r.get("summary") or ""
    r1, r2 = [], []
    for rec in refs:
        pred = " ".join(preds.get(rec["id"], "").split()[:220])
        s = scorer.score(rec["reference_summary"], pred, ["rouge1", "rouge2"])
        r1.append(s["rouge1"][2])
        r2.append(s["rouge2"][2])
    return r1, r2


def mean(xs, keys=None):
    keys = range(len(xs)) if keys is None else keys
    keys = list(keys)
    return 100 * sum(xs[k] for k in keys) / len(keys)


results = []
for point in itertools.product(*GRID.values()):
    r1, r2 = run(point)
    results.append((point, r1, r2))
    print(f"{dict(zip(GRID, point))}: R-1 {mean(r1):.2f} R-2 {mean(r2):.2f}", flush=True)
folds = [range(0, len(refs), 2), range(1, len(refs), 2)]
held1, held2 = [0.0] * len(refs), [0.0] * len(refs)
for f in range(2):
    train, test = folds[1 - f], folds[f]
    point, r1, r2 = max(results, key=lambda x: mean(x[2], train))
    print(f"fold {f}: chosen on the other fold {dict(zip(GRID, point))}, held-out R-2 {mean(r2, test):.2f}")
    for k in test:
        held1[k], held2[k] = r1[k], r2[k]
print(f"two-fold held-out: R-1 {mean(held1):.2f} R-2 {mean(held2):.2f}")
