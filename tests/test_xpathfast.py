"""trafilatura's XPath expressions run as Python (parsers.extract.xpathfast) find what lxml finds.

Every expression the extraction uses is compiled (none falls back to lxml), and on real pages, as
loaded and as trafilatura has cleaned and converted them, each returns lxml's elements in lxml's
order.
"""

from __future__ import annotations

import gzip
from copy import deepcopy

import pytest
import trafilatura
from lxml.etree import XPath
from trafilatura import xpaths
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Extractor

from conftest import ROOT
from parsers.extract.xpathfast import FastXPath, Unsupported, fast

PAGES = [
    *sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz")),
    *sorted((ROOT / "tests" / "data" / "pages").glob("*.htm*")),
    ROOT / "seeds" / "samples" / "xinhua-business-article.html",
]
USED = (
    "RAW_TREE_PRUNE_XPATH",
    "REMOVE_COMMENTS_AND_LISTS_XPATH",
    "REMOVE_COMMENTS_XPATH",
    "BODY_XPATH",
    "OVERALL_DISCARD_XPATH",
    "DISCARD_IMAGE_ELEMENTS",
    "TEASER_DISCARD_XPATH",
    "PRECISION_DISCARD_XPATH",
    "AUTHOR_XPATHS",
    "AUTHOR_DISCARD_XPATHS",
    "TITLE_XPATHS",
    "COMMENTS_XPATH",
    "COMMENTS_DISCARD_XPATH",
)


def _text(path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def trees() -> list:
    loaded = [trafilatura.load_html(_text(p)) for p in PAGES]
    opts = Extractor(precision=True, comments=False)
    converted = [convert_tags(tree_cleaning(deepcopy(t), opts), opts) for t in loaded]
    return loaded + converted


@pytest.mark.parametrize("name", USED)
def test_every_expression_finds_what_lxml_finds(trees, name):
    for i, expression in enumerate(getattr(xpaths, name)):
        compiled = fast([expression])[0]
        assert isinstance(compiled, FastXPath), f"{name}[{i}] fell back to lxml"
        for tree in trees:
            assert compiled(tree) == expression(tree), f"{name}[{i}] differs from lxml on a page"


def test_positions_unions_and_attribute_order():
    tree = trafilatura.load_html(
        "<html><body><div class='a' id='x1'><p>one</p><p class='k'>two</p></div>"
        "<section id='x2' class='b'><p class='k'>three</p><span>four</span></section>"
        "<div><p class='k'>five</p><p class='k'>six</p></div>"
        "<span><rel>me</rel></span><a><rel>you</rel></a><p><b><rel>me</rel></b></p></body></html>"
    )
    for path in (
        ".//*[self::div or self::section][starts-with(@id|@class, 'x')]",  # the attribute written first
        ".//p[@class='k'][1]",  # the first match under each parent
        "(.//p[@class='k'])[1]|(.//span)[1]",
        ".//*[not(self::p) and contains(translate(@class, 'AB', 'ab'), 'b')]",
        ".//*[.//span]",
        ".//*[self::a or self::span or self::b or self::p][@id='k' or rel='me']",  # a child's string value
        ".//*[contains(@class, '') and not(@id)]",  # true without attributes: no attribute shortcut
        ".//*[@id|@class='b' or contains(@class, 'a')]",
    ):
        assert FastXPath(path)(tree) == XPath(path)(tree), path


def test_an_expression_outside_the_subset_keeps_lxml():
    expression = XPath("//div[@class='tags']//a[@href]")
    with pytest.raises(Unsupported):
        FastXPath(expression.path)
    assert fast([expression]) == [expression]


def test_one_expression_on_two_pages_in_two_threads_finds_each_pages_elements():
    """Sources are parsed side by side in threads: a child test's elements are per page, never shared."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    path = ".//*[self::span or self::b][@id='k' or rel='me']"
    pages = [
        trafilatura.load_html(
            f"<html><body>{'<span><rel>me</rel></span><b><rel>me</rel></b>' * n}</body></html>"
        )
        for n in (1, 400)
    ]
    compiled, expected = FastXPath(path), [XPath(path)(tree) for tree in pages]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(lambda t=t: [compiled(t) for _ in range(200)]) for t in pages * 2]
            results = [r.result() for r in runs]
    finally:
        sys.setswitchinterval(interval)
    for i, found in enumerate(results):
        assert all(f == expected[i % 2] for f in found)
