"""Move a stored page to another cluster: move.py URL NEWCLUSTER"""
import json, sys
from pathlib import Path
root = Path(__file__).resolve().parent.parent
url, new = sys.argv[1], sys.argv[2]
p = root / "tools" / "records.jsonl"
recs = [json.loads(l) for l in p.read_text().splitlines()]
for r in recs:
    if r["url"] == url:
        old = r["path"]
        oldc = r["cluster"]
        newpath = old.replace(f"texts/{oldc}_", f"texts/{new}_", 1)
        (root / old).rename(root / newpath)
        r["path"], r["cluster"] = newpath, new
        print(old, "->", newpath)
p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
