"""Per-host templates: a host's later pages are extracted from its learned frame, with the same text.

Real pages served as pages of one host: the second page of a host is extracted from the frame the
first one's text came from, and gives the text the full pass gives; a page of that host whose
layout differs (no such frame) gets the full pass; the sampled check runs the full pass beside the
template and keeps the template while they agree.
"""

from __future__ import annotations

import gzip

import pytest

from conftest import ROOT
from parsers.extract import html
from parsers.extract.hosts import TEMPLATES
from parsers.model import Source

AEB = sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz"))
SOURCE = Source(id="t", name="t", kind="listing", url="http://t.example/")


def _page(i: int) -> str:
    return gzip.decompress(AEB[i].read_bytes()).decode("utf-8")


def _full(page: str, url: str) -> str:
    """The full pass's text: the page on a host of its own, nothing learned for it."""
    article = html.extract_article(page, url.replace("one.example", "reference.example"), SOURCE)
    assert article is not None
    return article.raw_text


@pytest.fixture(autouse=True)
def cold():
    TEMPLATES.reset()
    check_every = TEMPLATES.check_every
    yield
    TEMPLATES.reset()
    TEMPLATES.check_every = check_every


def _learnable() -> int:
    """An aeb test page whose text comes from a content frame (a template can be learned from it)."""
    for i in range(len(AEB)):
        TEMPLATES.reset()
        html.extract_article(_page(i), "https://one.example/a", SOURCE)
        if TEMPLATES.stats().get("hosts_with_template"):
            return i
    pytest.fail("no test page with a content frame")


def test_a_later_page_of_a_host_is_extracted_from_its_frame_with_the_same_text():
    i = _learnable()
    TEMPLATES.reset()
    first = html.extract_article(_page(i), "https://one.example/a", SOURCE)
    again = html.extract_article(_page(i), "https://one.example/b", SOURCE)
    assert first is not None and again is not None
    assert TEMPLATES.stats()["template"] == 1
    assert again.raw_text == first.raw_text == _full(_page(i), "https://one.example/b")


def test_another_layout_on_that_host_gets_the_full_pass():
    i = _learnable()
    TEMPLATES.reset()
    html.extract_article(_page(i), "https://one.example/a", SOURCE)
    other = (ROOT / "tests" / "data" / "pages" / "scmp.com.playbook.html").read_text(encoding="utf-8")
    article = html.extract_article(other, "https://one.example/c", SOURCE)
    assert article is not None and article.raw_text == _full(other, "https://one.example/c")
    assert TEMPLATES.stats().get("template", 0) == 0 and TEMPLATES.stats()["full"] == 3


def test_the_sampled_check_runs_the_full_pass_and_keeps_an_agreeing_template():
    i = _learnable()
    TEMPLATES.reset()
    TEMPLATES.check_every = 1
    html.extract_article(_page(i), "https://one.example/a", SOURCE)
    html.extract_article(_page(i), "https://one.example/b", SOURCE)
    stats = TEMPLATES.stats()
    assert stats["checked"] == 1 and stats.get("dropped", 0) == 0 and stats["hosts_with_template"] == 1
