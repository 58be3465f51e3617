"""Build pages/ and index.csv from raw/ (the transcriptions) and labels.csv (the goldens).

raw/bNN.txt: one block per page, header `@@@ url | language | kind | search query`, then the page text as the
`search` tool's `pages` corpus returned it (the page's text from its beginning, cut at a line end).
Also: four pages already transcribed in ../topics_real/texts (same origin), named in TOPICS_REAL.
Split: dev when the first hex digit of sha1(url) is 0-7, else test (fixed; the test split is never tuned on).

    python3 tests/data/official/tools/build.py
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
RETRIEVED = "2026-12-02"
TOPICS_REAL = {  # url -> (file in ../topics_real/texts, language, kind)
    "https://0798ci.com/law/8240.html": ("zh_0798ci-com_71d69062.txt", "zh", "provincial"),
    "http://law.foodmate.net/show-214325.html": ("zh_law-foodmate-net_cba726ba.txt", "zh", "gacc"),
    "http://www.cntkdb.com/index.php/Index/News/index/ClassA/3/ClassB/4/id/151/use/1": (
        "en_cntkdb-com_dd1d92b5.txt", "en", "state-council"),
    "http://hk.lexiscn.com/law/law-english-1-3784036-T.html?eng=0": ("en_hk-lexiscn-com_cfec861e.txt", "en", "state-council"),
}  # fmt: skip


def split_of(url: str) -> str:
    """The fixed split of a page: dev or test."""
    return "dev" if int(hashlib.sha1(url.encode()).hexdigest()[0], 16) < 8 else "test"


def page_id(url: str, language: str) -> str:
    host = re.sub(r"^www\.", "", url.split("/")[2]).replace(".", "-")[:20]
    return f"{language}_{host}_{hashlib.sha1(url.encode()).hexdigest()[:8]}"


def blocks() -> dict[str, tuple[str, str, str, str]]:
    """url -> (language, kind, origin, text) for every transcribed page."""
    found = {}
    for raw in sorted((HERE / "raw").glob("b*.txt")):
        for block in raw.read_text(encoding="utf-8").split("@@@ ")[1:]:
            header, _, text = block.partition("\n")
            url, language, kind, query = (p.strip() for p in header.split("|", 3))
            found[url] = (language, kind, f"search:pages ({query})", text.rstrip("\n") + "\n")
    for url, (name, language, kind) in TOPICS_REAL.items():
        text = (HERE.parent / "topics_real" / "texts" / name).read_text(encoding="utf-8")
        found[url] = (language, kind, "search:pages (via tests/data/topics_real)", text)
    return found


def main() -> None:
    labels = {row["url"]: row for row in csv.DictReader((HERE / "labels.csv").open(encoding="utf-8"))}
    pages = blocks()
    assert set(labels) == set(pages), set(labels) ^ set(pages)
    (HERE / "pages").mkdir(exist_ok=True)
    rows = []
    for url, (language, kind, origin, text) in pages.items():
        pid = page_id(url, language)
        (HERE / "pages" / f"{pid}.txt.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        rows.append({"id": pid, "split": split_of(url), "language": language, "kind": kind, "url": url,
                     "retrieved": RETRIEVED, "origin": origin, **{k: v for k, v in labels[url].items() if k != "url"}})  # fmt: skip
    rows.sort(key=lambda r: (r["split"], r["id"]))
    with (HERE / "index.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"{len(rows)} pages: {sum(r['split'] == 'dev' for r in rows)} dev, {sum(r['split'] == 'test' for r in rows)} test"
    )


if __name__ == "__main__":
    main()
