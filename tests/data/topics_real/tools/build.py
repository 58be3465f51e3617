"""Build texts/ and labels.csv from raw/*.txt (transcribed search results) and raw_aeb/ selections.

raw format: blocks starting with '@@@ URL | lang | kind | topics[ | origin]' followed by the page text.
"""

import csv
import glob
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOPICS = {"logistics", "customs", "resumption", "finance"}
KINDS = {"release", "transcript", "notice", "news", "wire", "other"}


def host_slug(url):
    h = urlparse(url).netloc.lower().split(":")[0]
    h = re.sub(r"^(www|m)\.", "", h)
    return re.sub(r"[^a-z0-9]+", "-", h).strip("-")[:24]


def parse(path):
    out = []
    cur = None
    for line in Path(path).read_text(encoding="utf-8").split("\n"):
        if line.startswith("@@@ "):
            if cur:
                out.append(cur)
            parts = [p.strip() for p in line[4:].split("|")]
            url, lang, kind, topics = parts[:4]
            origin = parts[4] if len(parts) > 4 and parts[4] else "search:pages"
            cur = dict(
                url=url,
                lang=lang,
                kind=kind,
                topics=topics,
                origin=origin,
                lines=[],
                src=os.path.basename(path),
            )
        elif cur is not None:
            cur["lines"].append(line)
    if cur:
        out.append(cur)
    return out


def main():
    recs = []
    for p in sorted(glob.glob(os.path.join(ROOT, "raw", "*.txt"))):
        recs.extend(parse(p))
    seen = {}
    rows = []
    errors = 0
    os.makedirs(os.path.join(ROOT, "texts"), exist_ok=True)
    for old in glob.glob(os.path.join(ROOT, "texts", "*.txt")):
        os.remove(old)
    for r in recs:
        text = "\n".join(r["lines"]).strip("\n")
        retrieved = ""
        m = re.match(r"^\s*date (\d{4}-\d{2}-\d{2})\s*", text)
        if m:
            retrieved = m.group(1)
            text = text[m.end() :]
        text = text.strip() + "\n"
        url = r["url"]
        if url in seen:
            print("DUP URL", url, r["src"], seen[url])
            errors += 1
            continue
        seen[url] = r["src"]
        tops = [t for t in r["topics"].split(";") if t]
        bad = [t for t in tops if t not in TOPICS]
        if bad or r["kind"] not in KINDS or r["lang"] not in ("en", "zh"):
            print("BAD FIELD", url, r["topics"], r["kind"], r["lang"])
            errors += 1
            continue
        h = hashlib.sha1(url.encode("utf-8")).hexdigest()
        split = "test" if int(h, 16) % 2 == 0 else "dev"
        pid = f"{r['lang']}_{host_slug(url)}_{h[:8]}"
        rel = f"texts/{pid}.txt"
        with open(os.path.join(ROOT, rel), "w", encoding="utf-8") as f:
            f.write(text)
        n = len(text.strip())
        if n < 350:
            print("SHORT", n, url)
        rows.append(
            dict(
                path=rel,
                topics=";".join(
                    sorted(set(tops), key=["logistics", "customs", "resumption", "finance"].index)
                ),
                split=split,
                language=r["lang"],
                kind=r["kind"],
                url=url,
                retrieved=retrieved,
                origin=r["origin"],
            )
        )

    # near-duplicate check: shared 8-gram shingles of the first 1500 chars
    def sh(t):
        t = re.sub(r"\s+", " ", t)[:1500]
        return {t[i : i + 12] for i in range(0, max(1, len(t) - 12), 3)}

    texts = {row["path"]: sh(Path(ROOT, row["path"]).read_text(encoding="utf-8")) for row in rows}
    keys = list(texts)
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            a, b = texts[keys[i]], texts[keys[j]]
            if a and b:
                jac = len(a & b) / len(a | b)
                if jac > 0.5:
                    print(f"NEAR-DUP {jac:.2f}", keys[i], keys[j])
    with open(os.path.join(ROOT, "labels.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(
            f, fieldnames=["path", "topics", "split", "language", "kind", "url", "retrieved", "origin"]
        )
        w.writeheader()
        w.writerows(rows)
    from collections import Counter

    c = Counter()
    for row in rows:
        c[(row["split"], row["language"], "ALL")] += 1
        ts = row["topics"].split(";") if row["topics"] else ["(none)"]
        for t in ts:
            c[(row["split"], row["language"], t)] += 1
    print("pages", len(rows), "errors", errors)
    for split in ("dev", "test"):
        for lang in ("en", "zh"):
            print(
                split,
                lang,
                {
                    t: c[(split, lang, t)]
                    for t in ["ALL", "logistics", "customs", "resumption", "finance", "(none)"]
                },
            )
    print("by lang", Counter(r["language"] for r in rows), "by origin", Counter(r["origin"] for r in rows))


main()
