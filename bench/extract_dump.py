"""`bench.extract_dump`: every Article field of every real page reachable, as JSON, to diff two versions.

Runs `parsers.extract.html.extract_article` over the aeb pages, the govcn documents (corpus and
tests/data/official), tests/data/aeb and the HTML pages of tests/data/pages and ../shared/corpora/pages,
twice in a row with the per-host templates started cold (the second pass goes through the templates
learned in the first), and writes one JSON object per page. A change that must keep the output is
checked by dumping on the old code and on the new and comparing the files (`--against OLD`).

    python -m bench.extract_dump OUT.json [--against OLD.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
from pathlib import Path
from typing import Any

from bench import extraction
from bench.extract import GOVCN, GOVCN_EXTRA
from parsers.extract.hosts import TEMPLATES
from parsers.extract.html import extract_article
from parsers.model import Source

ROOT = Path(__file__).resolve().parents[1]
_SOURCE = Source(id="dump", name="dump", kind="listing", url="http://dump.invalid/")


def pages() -> list[tuple[str, str, str]]:
    """(id, url, html) of every real page this dump covers."""
    out = [(f"aeb/{key}", url, html) for key, url, html, _ in extraction.load(extraction.CORPUS)]
    govcn_url = "http://www.gov.cn/zhengce/content/{}.htm"
    for path in sorted(GOVCN.glob("content_*.html")):
        out.append((f"govcn/{path.stem}", govcn_url.format(path.stem), path.read_text(encoding="utf-8")))
    for folder in (GOVCN_EXTRA, ROOT / "tests/data/official/govcn"):
        for path in sorted(folder.glob("content_*.html.gz")):
            stem = path.name.split(".")[0]
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
            out.append((f"{folder.name}/{stem}", govcn_url.format(stem), text))
    for path in sorted((ROOT / "tests/data/aeb").glob("*.html.gz")):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        out.append((f"tests-aeb/{path.name}", f"http://aeb.invalid/{path.name[:16]}", text))
    for folder in (ROOT / "tests/data/pages", ROOT.parent / "shared/corpora/pages"):
        for path in sorted(folder.glob("*.htm*")):
            url = f"http://{'.'.join(path.stem.split('.')[:2])}/{path.name}"
            out.append(
                (f"{folder.name}/{path.name}", url, path.read_text(encoding="utf-8", errors="replace"))
            )
    return out


def dump() -> dict[str, Any]:
    """Each page's Article (all fields) on a cold then a warm pass over the pages."""
    TEMPLATES.reset()
    result: dict[str, Any] = {}
    todo = pages()
    for run in ("cold", "warm"):
        for key, url, html in todo:
            article = extract_article(html, url, _SOURCE)
            result[f"{run}:{key}"] = dataclasses.asdict(article) if article is not None else None
    return json.loads(json.dumps(result, default=str))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--against")
    args = parser.parse_args(argv)
    found = dump()
    Path(args.out).write_text(
        json.dumps(found, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8"
    )
    print(f"{len(found)} extractions written to {args.out}")
    if args.against:
        old = json.loads(Path(args.against).read_text(encoding="utf-8"))
        differ = sorted(k for k in set(old) | set(found) if old.get(k) != found.get(k))
        for key in differ[:20]:
            fields = [
                f
                for f in (old.get(key) or {})
                if (old.get(key) or {}).get(f) != (found.get(key) or {}).get(f)
            ]
            print(f"DIFFERS {key}: {fields}")
        print(f"{len(differ)} of {len(found)} differ from {args.against}")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
