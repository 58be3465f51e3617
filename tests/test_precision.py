"""tradewire's fast extraction gives what trafilatura's own precision pass gives, on real pages.

The reference is the extraction as it was written before issue 16, with trafilatura's public API
only: `bare_extraction(favor_precision=True, with_metadata=True, include_comments=False)`, the
balanced pass when precision kept under 300 characters, a JSON-LD `articleBody` when over twice
as long. Text, title, date, author and language must be the same.
"""

from __future__ import annotations

import gzip
import html as htmlmod
import json
from typing import Any

import pytest
import trafilatura
from trafilatura.settings import Document as TrafilaturaDocument

from conftest import ROOT
from parsers.extract import html
from parsers.extract.hosts import TEMPLATES
from parsers.model import Source

PAGES = [
    *sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz")),
    ROOT / "tests" / "data" / "pages" / "scmp.com.playbook.html",
    ROOT / "tests" / "data" / "pages" / "xinhuanet.com.c_1125597921.html",
    ROOT / "seeds" / "samples" / "xinhua-business-article.html",
]
SOURCE = Source(id="t", name="t", kind="listing", url="http://t.example/")


def _text(path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8", errors="replace")


def _bare(tree: Any, **options: Any) -> TrafilaturaDocument | None:
    found = trafilatura.bare_extraction(tree, **options)
    return found if isinstance(found, TrafilaturaDocument) else None


def reference(page: str, url: str) -> tuple[str, str | None, str | None, str | None]:
    """(text, title, date, author) as trafilatura's public API gives them (the pre-issue-16 extraction)."""
    tree = trafilatura.load_html(page)
    doc = _bare(tree, url=url, include_comments=False, favor_precision=True, with_metadata=True)
    text = (doc.text or "") if doc is not None else ""
    if len(text) < 300:
        balanced = _bare(tree, url=url, include_comments=False)
        other = (balanced.text or "") if balanced is not None else ""
        text = other if len(other) > 2 * len(text) else text
    bodies = [
        node["articleBody"]
        for script in tree.xpath('//script[@type="application/ld+json"]/text()')
        for node in _nodes(script)
        if isinstance(node, dict) and isinstance(node.get("articleBody"), str)
    ]
    body = htmlmod.unescape(max(bodies, key=len)).strip() if bodies else ""
    if len(body) >= 400 and len(body) > 2 * len(text):
        text = body
    if doc is None:
        return text, None, None, None
    return text, doc.title, doc.date, doc.author


def _nodes(script: str) -> list[Any]:
    try:
        stack, out = [json.loads(script)], []
    except ValueError:
        return []
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.values() if isinstance(node, dict) else node if isinstance(node, list) else [])
    return out


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name[:24])
def test_the_same_text_and_metadata_as_trafilaturas_precision_pass(path):
    TEMPLATES.reset()
    page, url = _text(path), f"https://{path.stem[:12]}.example/article"
    text, title, date, author = reference(page, url)
    article = html.extract_article(page, url, SOURCE)
    assert article is not None
    assert article.raw_text == "\n".join(p for p in (" ".join(x.split()) for x in text.splitlines()) if p)
    assert article.author == (author or None)
    assert (article.date_text, article.date_source) == ((date, "page") if date else (None, None))
    if title:
        assert article.title in " ".join(title.split())
