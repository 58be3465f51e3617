"""The page loader without trafilatura's whole-page regular expression gives trafilatura's tree.

On real pages as they are, and with a character XML forbids put in (a NUL, a form feed, U+FFFF:
what a broken CMS export leaves), `parsers.extract.htmlload.load_html` serialises to the same markup
as `trafilatura.load_html`.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import trafilatura
from lxml.etree import tostring

from conftest import ROOT
from parsers.extract.htmlload import load_html

PAGES = [
    *sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz")),
    *sorted((ROOT / "tests" / "data" / "official" / "govcn").glob("*.html.gz"))[:4],
    *sorted((ROOT / "tests" / "data" / "pages").glob("*.htm*")),
]


def _read(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", errors="replace")


def _same(text: str) -> None:
    ours, theirs = load_html(text), trafilatura.load_html(text)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert tostring(ours, encoding="unicode") == tostring(theirs, encoding="unicode")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name[:24])
def test_real_page_loads_as_trafilatura_loads_it(path: Path) -> None:
    _same(_read(path))


@pytest.mark.parametrize("bad", ["\x00", "\x0c", "\uffff"])
def test_forbidden_character_is_removed_as_trafilatura_removes_it(bad: str) -> None:
    text = _read(PAGES[0])
    middle = len(text) // 2
    _same(text[:middle] + bad + text[middle:])


def test_not_html_is_refused_alike() -> None:
    _same("just a line of text, not a page")
