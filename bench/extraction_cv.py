"""Cross-validation by host of the boilerplate word list (src/extract/boilerplate.rs) and the
paragraph rule groups (src/extract/lines.rs).

The word groups were chosen by their effect on ../shared/eval/extraction. This script checks
that the *procedure* generalizes: pages are split into 5 folds by host; on each fold, the
groups are chosen on the other folds' pages alone (a group is kept unless leaving it out
raises macro F1 there), and the choice is scored on the held-out fold. Held-out counts are
pooled over the folds. Usage: python3 bench/extraction_cv.py (from the repo root, after
`cargo build --release`).
"""
import json
import os
import subprocess
import sys
from urllib.parse import urlparse

EVAL = os.environ.get("EVAL", "../shared/eval")
sys.path.insert(0, os.path.join(EVAL, "extraction"))
import score  # noqa: E402

GROUPS = [
    "caption,credit,credits", "gallery,slideshow,carousel,lightbox", "share,sharing,social",
    "related,recommended,recommendations", "promo,newsletter,subscribe,subscription,signup",
    "advert,advertisement,ad,ads,sponsor,sponsored", "byline", "dateline,timestamp",
    "breadcrumb,breadcrumbs", "comments", "sidebar,widget", "popup,modal,cookie", "toolbar", "tags",
    "outbrain,taboola", "trending,popular", "footer", "masthead,paywall", "tooltip,popover,rollover,hovercard",
    "links", "teasers",
]
LINE_GROUPS = ["line:labels", "line:counters", "line:leadins", "line:datelines", "line:legal", "line:title"]
GROUPS = GROUPS + LINE_GROUPS
gt_path = os.path.join(EVAL, "extraction", "ground-truth.json")
raw = json.load(open(gt_path))
gt = score.load_ground_truth(gt_path)
host = {k: urlparse(v.get("url", "")).netloc.lower().removeprefix("www.") for k, v in raw.items()}
pages = sorted(gt)
html = [os.path.join(EVAL, "extraction", "html", f) for f in sorted(os.listdir(os.path.join(EVAL, "extraction", "html")))]


def run(groups):
    words = [g for g in groups if not g.startswith("line:")]
    lines = [g[5:] for g in groups if g.startswith("line:")]
    env = dict(os.environ, ROUNDUP_BOILERPLATE_WORDS=",".join(words) or "-", ROUNDUP_LINE_RULES=",".join(lines) or "-")
    out = subprocess.run(["target/release/roundup", "extract", *html], env=env, capture_output=True, text=True, check=True).stdout
    pred = {}
    for line in out.splitlines():
        r = json.loads(line)
        pred[r["id"]] = r.get("text") or ""
    return {k: score.page_counts(gt[k], pred.get(k, "")) for k in pages}


def f1(counts, keys):
    p = [tp / (tp + fp) if tp + fp else 0.0 for tp, fp, fn in (counts[k] for k in keys)]
    r = [tp / (tp + fn) if tp + fn else 0.0 for tp, fp, fn in (counts[k] for k in keys)]
    mp, mr = sum(p) / len(p), sum(r) / len(r)
    return (2 * mp * mr / (mp + mr) if mp + mr else 0.0), mp, mr


hosts = sorted(set(host.values()))
fold_of_host = {h: i % 5 for i, h in enumerate(hosts)}
full = run(GROUPS)
without = {g: run([x for x in GROUPS if x != g]) for g in GROUPS}
held = {}
for fold in range(5):
    train = [k for k in pages if fold_of_host[host[k]] != fold]
    test = [k for k in pages if fold_of_host[host[k]] == fold]
    base = f1(full, train)[0]
    chosen = [g for g in GROUPS if f1(without[g], train)[0] <= base]
    counts = run(chosen)
    held.update({k: counts[k] for k in test})
    dropped = [g.split(",")[0] for g in GROUPS if g not in chosen]
    print(f"fold {fold}: {len(test)} pages from {len({host[k] for k in test})} hosts; left out: {dropped}")
cf, cp, cr = f1(held, pages)
print(f"held-out over 5 host folds: F1 {cf:.4f}  P {cp:.4f}  R {cr:.4f}")
base_all = f1(full, pages)[0]
choice = [g for g in GROUPS if f1(without[g], pages)[0] <= base_all]
print("the procedure on all pages leaves out:", [g.split(",")[0] for g in GROUPS if g not in choice])
sf, sp, sr = f1(run(choice), pages)
print(f"that list on all pages (in-sample): F1 {sf:.4f}  P {sp:.4f}  R {sr:.4f}")
