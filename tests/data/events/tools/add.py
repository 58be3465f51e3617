"""Store one page: stdin = 'key: value' header lines, a line '---', then the page text as the tool gave it."""
import hashlib, json, sys, re
from pathlib import Path
from urllib.parse import urlparse
root = Path(__file__).resolve().parent.parent
raw = sys.stdin.read()
head, _, text = raw.partition("\n---\n")
meta = {}
for line in head.splitlines():
    if line.strip():
        k, _, v = line.partition(":")
        meta[k.strip()] = v.strip()
url = meta["url"]
host = urlparse(url).hostname or "nohost"
host = re.sub(r"^(www|m|en|english)\.", "", host)
hostish = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")
sha = hashlib.sha1(url.encode()).hexdigest()[:6]
cid = meta["cluster"]
pid = f"{cid}_{meta['lang']}_{hostish}_{sha}"
text = text.rstrip("\n") + "\n"
if len(text) < 300:
    print("WARN short text", len(text), file=sys.stderr)
recs_path = root / "tools" / "records.jsonl"
recs = [json.loads(l) for l in recs_path.read_text().splitlines()] if recs_path.exists() else []
for r in recs:
    if r["url"] == url and r["cluster"] != cid:
        sys.exit(f"URL already in cluster {r['cluster']}: {url}")
recs = [r for r in recs if r["url"] != url]
(root / "texts").mkdir(exist_ok=True)
(root / "texts" / f"{pid}.txt").write_text(text, encoding="utf-8")
rec = dict(path=f"texts/{pid}.txt", cluster=cid, language=meta["lang"], outlet=meta.get("outlet", host),
           url=url, published=meta.get("published", ""), retrieved=meta.get("retrieved", ""),
           relation=meta.get("relation", "report"), origin="search:pages", note=meta.get("note", ""))
recs.append(rec)
recs_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
print(pid, len(text))
