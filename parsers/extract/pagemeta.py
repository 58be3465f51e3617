"""A page's title, author and date, as trafilatura's `extract_metadata` finds them, and nothing else.

trafilatura's metadata pass also looks for the site name, categories, tags, image and licence,
which tradewire never stores: on the 181 aeb pages those lookups were over a third of the metadata
pass. This follows the same steps for the fields kept (meta tags, then JSON-LD, then the page's
own title and byline, the canonical URL for htmldate, then htmldate), in the same order and with
the same clean-up, so the values are the ones `bare_extraction(with_metadata=True)` gives
(`tests/test_pagemeta.py` checks that on real pages).

htmldate is the costly part. It is skipped when the caller has a date from the feed or listing
and says the page's date cannot change the outcome (see `parsers.extract.html`).
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass, replace
from html import unescape
from typing import Any

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura import xpaths
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import examine_meta, extract_meta_json, extract_metainfo, extract_title, extract_url
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import line_processing, trim

from parsers.extract.xpathfast import fast

log = logging.getLogger(__name__)
_MAX = 10000  # trafilatura's Document.clean_and_trim cuts longer values here
AUTHOR_DISCARD = fast(xpaths.AUTHOR_DISCARD_XPATHS)
AUTHOR = fast(xpaths.AUTHOR_XPATHS)
_AUTHOR_LIMIT = 120  # trafilatura's len_limit for authors


@dataclass(frozen=True)
class PageMeta:
    """What tradewire keeps of a page's metadata."""

    title: str | None = None
    author: str | None = None
    date: str | None = None  # as htmldate gives it (YYYY-MM-DD, or with a time); None if not searched
    byline: bool | None = None  # whether the byline search found the author; None: not run


def page_meta(
    tree: HtmlElement, url: str | None, with_date: bool = True, with_byline: bool = True
) -> PageMeta:
    """Title, author and (if `with_date`) the htmldate date of a parsed page; the tree is not changed.

    `with_byline=False` leaves out the search for a byline in the page when its meta tags name no author
    (the per-host templates skip it where a host's pages have none, `parsers.extract.hosts`).
    """
    metadata: Document = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # as trafilatura: a one-word author from a meta tag is usually a site
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as err:  # trafilatura's own guard: bugs in its JSON-LD reader
        log.warning("error in JSON metadata extraction: %s", err)
    if not metadata.title:
        metadata.title = extract_title(tree)
    byline = None
    if not metadata.author and with_byline:
        metadata.author = _author(tree)
        byline = metadata.author is not None
    date = None
    if with_date:
        page_url = metadata.url or extract_url(tree, url)
        date = find_date(tree, **{**_date_params(), "url": page_url})
    return PageMeta(_trim(metadata.title), _trim(metadata.author), _trim(date), byline)


def with_byline(meta: PageMeta, tree: HtmlElement) -> PageMeta:
    """`meta` with the byline search run (on `tree`, the page parsed again) if it was left out."""
    if meta.author is not None or meta.byline is not None:
        return meta
    author = _author(tree)
    return replace(meta, author=_trim(author), byline=author is not None)


def _author(tree: HtmlElement) -> str | None:
    # trafilatura's extract_author (author expressions on a copy of the tree with AUTHOR_DISCARD pruned),
    # without the copy: a match inside a pruned element is gone, one holding none has the same text, and
    # only a match holding a pruned element needs the copy. The expressions test an element's own tag and
    # attributes, so pruning never makes one match (`tests/test_pagemeta.py` compares with trafilatura)
    gone: set[HtmlElement] | None = None
    for expression in AUTHOR:
        for elem in expression(tree):
            if gone is None:
                gone = {e for discard in AUTHOR_DISCARD for e in discard(tree)}
            if elem in gone or not gone.isdisjoint(elem.iterancestors()):
                continue
            if not gone.isdisjoint(elem.iterdescendants()):
                return _author_copied(tree)
            content = trim(" ".join(elem.itertext()))
            if content and 2 < len(content) < _AUTHOR_LIMIT:
                return normalize_authors(None, content)
    return None


def _author_copied(tree: HtmlElement) -> str | None:
    # trafilatura's extract_author, its expressions run as Python
    copied = deepcopy(tree)
    alive = list(copied.iter())  # see parsers.extract.html: proxies kept make the walks cheap
    author = extract_metainfo(prune_unwanted_nodes(copied, AUTHOR_DISCARD), AUTHOR, len_limit=_AUTHOR_LIMIT)
    del alive
    return normalize_authors(None, author) if author else author


def _date_params() -> dict[str, Any]:
    # trafilatura's defaults (extensive search, original date, nothing after today), read per call:
    # the maximum date is today's
    return set_date_params(True)


def _trim(value: str | None) -> str | None:
    """trafilatura's Document.clean_and_trim for one value."""
    if not isinstance(value, str):
        return value
    if len(value) > _MAX:
        value = value[: _MAX - 1] + "…"
    return line_processing(unescape(value))
