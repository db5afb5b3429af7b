"""Maps raw parser records (bench/feeds-compare) to the feed scorer's schema, with the
evaluation set's own rules (make_expected.feed_text), identically for every parser."""
import json
import sys

sys.path.insert(0, sys.argv[1])  # ../shared/eval/feeds
import make_expected as mx  # noqa: E402


def s(v):
    return None if v is None else mx.collapse(str(v))


for line in sys.stdin:
    r = json.loads(line)
    if "error" in r:
        print(json.dumps({"file": r["file"], "error": r["error"]}))
        continue
    f = r["feed"]
    out = {
        "file": r["file"],
        "bozo": r["bozo"],
        "feed": {"title": mx.feed_text(f["title"], f["title_type"]), "link": s(f["link"]), "language": s(f["language"])},
        "entries": [
            {
                "id": s(e["id"]),
                "title": mx.feed_text(e["title"], e["title_type"]),
                "link": s(e["link"]),
                "published": e["published"],
                "summary_text": None if e["summary"] is None else mx.feed_text(e["summary"], e["summary_type"] or "text/html"),
                "author": s(e["author"]),
            }
            for e in r["entries"]
        ],
    }
    print(json.dumps(out, ensure_ascii=False))
