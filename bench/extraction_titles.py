"""Title accuracy of `roundup extract` on ../shared/eval/extraction: the share of pages whose
extracted title equals the page's own og:title (or, lacking one, its first h1), after
whitespace folding and HTML-entity decoding. Usage: python3 bench/extraction_titles.py OUT.jsonl"""
import gzip
import html
import html.parser
import json
import os
import re
import sys

EVAL = os.environ.get("EVAL", "../shared/eval")
WS = re.compile(r"\s+")


class Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.og, self.h1, self.in_h1 = None, None, False
        self.buf = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or "").lower() == "og:title" and self.og is None:
            self.og = a.get("content")
        if tag == "h1" and self.h1 is None:
            self.in_h1, self.buf = True, []

    def handle_endtag(self, tag):
        if tag == "h1" and self.in_h1:
            self.in_h1, self.h1 = False, "".join(self.buf)

    def handle_data(self, data):
        if self.in_h1:
            self.buf.append(data)


def norm(s):
    return WS.sub(" ", html.unescape(s or "")).strip().casefold()


ours = {json.loads(l)["id"]: json.loads(l).get("title") for l in open(sys.argv[1])}
hits = total = 0
for name in sorted(os.listdir(os.path.join(EVAL, "extraction", "html"))):
    pid = name.split(".")[0]
    raw = gzip.decompress(open(os.path.join(EVAL, "extraction", "html", name), "rb").read())
    p = Refs()
    p.feed(raw.decode("utf-8", "replace"))
    ref = p.og or p.h1
    if not ref or not norm(ref):
        continue
    total += 1
    hits += norm(ours.get(pid)) == norm(ref)
print(f"title accuracy: {hits}/{total} = {hits / total:.3f} (pages with og:title or h1)")
