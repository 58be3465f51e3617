"""Renumber clusters contiguously and write members.csv / clusters.csv from records.jsonl + meta_old.tsv."""
import csv, json, itertools
from pathlib import Path
root = Path(__file__).resolve().parent.parent
recs = [json.loads(l) for l in (root / "tools/records.jsonl").read_text().splitlines()]
meta = {}
for line in (root / "tools/meta_old.tsv").read_text().splitlines():
    if line.strip():
        cid, event, anchors, neg = line.split("\t")
        meta[cid] = dict(event=event, anchors=anchors, neg=[x for x in neg.split(";") if x])
old = sorted(meta)
mapping = {}
for prefix in "cn":
    ids = [c for c in old if c[0] == prefix]
    for i, c in enumerate(ids, 1):
        mapping[c] = f"{prefix}{i:02d}"
# files on disk and records
for r in recs:
    new = mapping[r["cluster"]]
    newpath = r["path"].replace(f"texts/{r['cluster']}_", f"texts/{new}_", 1)
    if newpath != r["path"]:
        (root / r["path"]).rename(root / newpath)
    r["path"], r["cluster"] = newpath, new
newmeta = {mapping[c]: dict(m, neg=[mapping[x] for x in m["neg"]]) for c, m in meta.items()}
(root / "tools/records.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
(root / "tools/meta.json").write_text(json.dumps(newmeta, ensure_ascii=False, indent=1))
(root / "tools/meta_old.tsv").rename(root / "tools/meta_old_ids.tsv")
(root / "tools/id_map.json").write_text(json.dumps(mapping, indent=1))
print("renumbered", len(mapping))
