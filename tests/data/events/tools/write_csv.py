"""Write members.csv and clusters.csv and print the counts used in README.md."""
import csv, json, itertools
from collections import defaultdict
from pathlib import Path
root = Path(__file__).resolve().parent.parent
recs = [json.loads(l) for l in (root / "tools/records.jsonl").read_text().splitlines()]
meta = json.loads((root / "tools/meta.json").read_text())
recs.sort(key=lambda r: (r["cluster"][0] != "c", r["cluster"], r["path"]))
with open(root / "members.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["path", "cluster", "event", "language", "outlet", "url", "published", "retrieved", "relation", "origin"])
    for r in recs:
        w.writerow([r["path"], r["cluster"], meta[r["cluster"]]["event"], r["language"], r["outlet"], r["url"],
                    r["published"], r["retrieved"], r["relation"], r["origin"]])
with open(root / "clusters.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["cluster", "event", "anchors", "negative_of"])
    for cid in sorted(meta, key=lambda c: (c[0] != "c", c)):
        m = meta[cid]
        w.writerow([cid, m["event"], m["anchors"], ";".join(m["neg"])])
by = defaultdict(list)
for r in recs:
    by[r["cluster"]].append(r)
pos = {c: v for c, v in by.items() if c.startswith("c")}
neg = {c: v for c, v in by.items() if c.startswith("n")}
pairs = sum(len(v) * (len(v) - 1) // 2 for v in by.values())
xl = [c for c, v in pos.items() if len({r["language"] for r in v}) > 1]
xpairs = sum(1 for v in by.values() for a, b in itertools.combinations(v, 2) if a["language"] != b["language"])
reports = {c: sum(r["relation"] != "reprint" for r in v) for c, v in pos.items()}
hosts_ok = all(len({r["url"].split('/')[2] for r in v}) == len(v) for v in by.values())
n = len(recs)
print("positive clusters", len(pos), "negative clusters", len(neg), "members", n)
print("members in positive clusters", sum(len(v) for v in pos.values()), "hard-negative pages", sum(len(v) for v in neg.values()))
print("cross-language clusters", len(xl), xl)
print("positive pairs", pairs, "of which cross-language", xpairs, "; negative pairs", n * (n - 1) // 2 - pairs)
print("clusters with >=2 non-reprint members", sum(1 for v in reports.values() if v >= 2))
print("size histogram", sorted(defaultdict(int, {k: sum(1 for v in pos.values() if len(v) == k) for k in range(1, 10)}).items()))
print("relations", {k: sum(r['relation'] == k for r in recs) for k in ('report', 'reprint', 'translation')})
print("languages", {k: sum(r['language'] == k for r in recs) for k in ('en', 'zh')})
print("distinct hosts per cluster", hosts_ok, "distinct hosts total", len({r['url'].split('/')[2] for r in recs}))
with open(root / "notes.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["path", "cluster", "note"])
    for r in recs:
        if r.get("note"):
            w.writerow([r["path"], r["cluster"], r["note"]])
