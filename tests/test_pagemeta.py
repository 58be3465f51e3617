"""The page's author as trafilatura gives it: parsers.extract.pagemeta searches the byline without copying
the tree (the copy was the costly part), and must name the same author as trafilatura on real pages."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from lxml.html import HtmlElement
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from parsers.extract import pagemeta

DATA = Path(__file__).parent / "data"
PAGES = sorted(p for p in DATA.rglob("*.htm*") if p.name.endswith((".html", ".html.gz")))


def _tree(path: Path) -> HtmlElement:
    raw = path.read_bytes()
    return load_html(gzip.decompress(raw) if path.suffix == ".gz" else raw)


def test_the_real_pages_are_there() -> None:
    assert len(PAGES) >= 60


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(DATA)))
def test_author_is_the_one_trafilatura_names(path: Path) -> None:
    assert (
        pagemeta.page_meta(_tree(path), None, with_date=False).author == extract_metadata(_tree(path)).author
    )


def test_a_byline_left_out_is_found_later() -> None:
    """The per-host templates skip the byline search; `with_byline` runs it when a page needs it."""
    bylined = []
    for path in PAGES:
        full = pagemeta.page_meta(_tree(path), None, with_date=False)
        quick = pagemeta.page_meta(_tree(path), None, with_date=False, with_byline=False)
        if full.byline:
            assert quick.author is None and quick.byline is None
            assert pagemeta.with_byline(quick, _tree(path)).author == full.author
            bylined.append(path)
    assert bylined  # real pages whose author is only in a byline
