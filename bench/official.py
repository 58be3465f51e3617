"""Official-document metadata on real documents: per field, right / total, each set and split apart.

Sets (all real; `tests/data/official/README.md` says where each document comes from):
- govcn: the 19 State Council documents of `../shared/corpora/govcn` (copied to tests/data/official/govcn),
  parsed as the `html` parser parses a fetched page; target: title, document number, issuing body and
  publication date right for at least 18 of 19.
- govcn-extra: 41 more www.gov.cn policy documents from the same public dump (dev / test split), whole pages,
  and their bodies alone (the metadata table left out: heading, number line and signature only).
- pages: 19 real official pages (GACC, MOFCOM, State Council, provincial; Chinese and English) as text, through
  the `text` parser; dev (tuned on) and test (never tuned on) apart.

A field counts where the golden states it; `spurious` counts values given where the golden has none.

    python -m bench.official [--misses]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from parsers.classify.topic_rules import fold
from parsers.extract.documents import parse_html, parse_text
from parsers.model import Article, Document, Source

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "official"
FIELDS = ("title", "document_no", "issuer", "published", "written")
_HTML = Source(
    id="official-html", name="official documents", kind="listing", url="http://www.gov.cn/", parser="html"
)
_TEXT = Source(id="official-text", name="official documents", kind="files", url="/", parser="text")  # fmt: skip


@dataclass(frozen=True)
class Golden:
    """One real document and what it says about itself."""

    name: str
    url: str
    split: str
    body: bytes
    parser: str  # html | text
    expected: dict[str, str]  # field -> value ('' = not stated)
    issuer_canonical: str = ""


def govcn() -> list[Golden]:
    """The 19 govcn documents."""
    return [_gov(row, DATA / "govcn", "all") for row in _rows(DATA / "govcn" / "metadata.csv")]


def govcn_extra() -> list[Golden]:
    """The 41 other gov.cn documents, with their split."""
    return [
        _gov(row, DATA / "govcn_extra", row["split"]) for row in _rows(DATA / "govcn_extra" / "metadata.csv")
    ]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _gov(row: dict[str, str], folder: Path, split: str) -> Golden:
    body = gzip.decompress((folder / f"content_{row['id']}.html.gz").read_bytes())
    url = row.get("url") or f"http://www.gov.cn/zhengce/content/content_{row['id']}.htm"
    expected = {f: row[f] for f in ("title", "document_no", "issuer", "published", "written")}
    return Golden(f"content_{row['id']}", url, split, body, "html", expected)


def pages() -> list[Golden]:
    """The real official pages' texts, with their split."""
    found = []
    for row in _rows(DATA / "index.csv"):
        body = gzip.decompress((DATA / "pages" / f"{row['id']}.txt.gz").read_bytes())
        expected = {f: row[f] for f in FIELDS}
        found.append(
            Golden(row["id"], row["url"], row["split"], body, "text", expected, row["issuer_canonical"])
        )
    return found


def parse(golden: Golden, body_only: bool = False) -> Article | None:
    """The article the flow's parser makes of a golden document (None when it finds no article)."""
    body = golden.body
    if body_only:  # the document's own body: gov.cn's td#UCAP-CONTENT, without the metadata table
        match = re.search(rb'<td class="b12c" id="UCAP-CONTENT">.*', body, re.S)
        body = match.group() if match else body
    source = _HTML if golden.parser == "html" else _TEXT
    doc = Document(source.id, golden.url, body, datetime(2026, 12, 2), "text/html" if golden.parser == "html"
                   else "text/plain", "utf-8")  # fmt: skip
    parsed = (parse_html if golden.parser == "html" else parse_text)(source, doc)
    return parsed if isinstance(parsed, Article) else None


def got(article: Article | None, field: str) -> str:
    """The article's value of a golden field, as text."""
    if article is None:
        return ""
    value: Any = {
        "title": article.title,
        "document_no": article.document_no,
        "issuer": article.issuer,
        "published": article.published_at.date() if article.published_at else None,
        "written": article.written_at,
    }[field]
    return value.isoformat() if isinstance(value, date) else (value or "")


def right(golden: Golden, field: str, article: Article | None) -> bool:
    """Whether the article's value of `field` is the golden one (traditional folded, spaces ignored)."""
    expected, value = golden.expected[field], got(article, field)
    if field in ("published", "written"):
        return _day(expected) == value
    if field == "issuer" and golden.issuer_canonical and article is not None:  # English joint issuers
        return article.issuer_canonical == golden.issuer_canonical or _key(expected) == _key(value)
    return _key(expected) == _key(value)


def _day(text: str) -> str:
    m = re.match(r"(\d{4})\D+(\d{1,2})\D+(\d{1,2})", text)
    return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" if m else ""


def _key(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


def score(goldens: list[Golden], body_only: bool = False) -> dict[str, Any]:
    """Per field: right, total (where stated), spurious (given where not stated), and the misses."""
    result: dict[str, Any] = {f: {"right": 0, "total": 0, "spurious": 0} for f in FIELDS}
    misses = []
    for golden in goldens:
        article = parse(golden, body_only)
        for field in FIELDS:
            cell = result[field]
            if not golden.expected[field]:
                cell["spurious"] += bool(got(article, field)) and field != "title"
                continue
            cell["total"] += 1
            if right(golden, field, article):
                cell["right"] += 1
            else:
                misses.append((golden.name, field, golden.expected[field], got(article, field)))
    result["misses"] = misses
    return result


def sets() -> Iterator[tuple[str, Callable[[], dict[str, Any]]]]:
    """(name, scorer) of every figure this benchmark prints."""
    extra, real = govcn_extra(), pages()
    yield "govcn", lambda: score(govcn())
    for split in ("dev", "test"):
        chosen = [g for g in extra if g.split == split]
        yield f"govcn-extra {split} ({len(chosen)})", lambda c=chosen: score(c)  # type: ignore[misc]
        yield f"govcn-extra {split}, body only", lambda c=chosen: score(c, body_only=True)  # type: ignore[misc]
    for split in ("dev", "test"):
        chosen = [g for g in real if g.split == split]
        yield f"pages {split} ({len(chosen)})", lambda c=chosen: score(c)  # type: ignore[misc]


def run(show_misses: bool = False) -> dict[str, Any]:
    """Print every set's figures side by side; return them for bench/results.json."""
    figures: dict[str, Any] = {}
    print(f"  {'set':<30}" + "".join(f"{f:>14}" for f in FIELDS), flush=True)
    for name, scorer in sets():
        result = scorer()
        cells = "".join(f"{result[f]['right']:>7}/{result[f]['total']:<3}{'+' + str(result[f]['spurious']) if result[f]['spurious'] else '':>3}" for f in FIELDS)  # fmt: skip
        print(f"  {name:<30}{cells}", flush=True)
        key = "official_" + re.sub(r"\W+", "_", name.split(" (")[0]).strip("_")
        figures[key] = {f: [result[f]["right"], result[f]["total"], result[f]["spurious"]] for f in FIELDS}
        if show_misses:
            for miss in result["misses"]:
                print(f"      miss {miss[0]} {miss[1]}: expected {miss[2]!r}, got {miss[3]!r}")
    govcn_fields = figures["official_govcn"]
    figures["official_govcn_min_of_four"] = min(
        govcn_fields[f][0] for f in ("title", "document_no", "issuer", "published")
    )
    print("  (right/total where the golden states the field; +n: values given where it states none)")
    return figures


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.official", description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every miss")
    run(parser.parse_args().misses)


if __name__ == "__main__":
    main()
