"""HTML articles: main text and metadata with trafilatura, the date with where it came from.

Text: trafilatura in precision mode, unless it keeps less than half of what the balanced mode finds
(then precision dropped the article itself and the balanced text is used); comments are never
included. If a JSON-LD `articleBody` is over twice as long as that (pages rendered by scripts),
it is used instead. On the article-extraction benchmark this scores above plain trafilatura
(`python -m bench.extraction`).
Date: the page's date (htmldate via trafilatura), or the feed/listing hint; a hint on the same day
as the page's date wins, being more precise (a time, not only a day).
Official documents: number, issuer, written date, and the document's own title and 发布日期 where the
page's fall short (`parsers.extract.official`, `parsers.extract.official_article`).
"""

from __future__ import annotations

import html as htmlmod
import json
import logging
import re
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document as TrafilaturaDocument

from parsers.extract import charset, hosts, linememo, precision
from parsers.extract.dates import from_url, parse_date
from parsers.extract.hosts import TEMPLATES
from parsers.extract.htmlload import load_html
from parsers.extract.official_article import with_official
from parsers.extract.official_html import read_html
from parsers.extract.pagemeta import PageMeta, page_meta, with_byline
from parsers.model import Article, Link, Source

log = logging.getLogger(__name__)
_SHORT = 300  # characters: below this, precision mode probably lost the article
_JSONLD_MIN = 400
_SITE_SUFFIX = re.compile(
    r"^(?P<title>.{8,}?)\s*(?:\s[-|–—_·]\s|[|_]|(?<=[\u3000-\u9fff\uff00-\uffef])-)\s*(?P<site>[^-|–—_·]{1,24})$"
)


def extract_article(
    html: str | bytes, url: str, source: Source, link: Link | None = None, content_type: str | None = None
) -> Article | None:
    """The article in an HTML page (raw_text and paragraphs; clean_text left empty), None if none.

    The `link`'s title and date (what its feed or listing said) win over the page's when they agree.
    """
    hints = link or Link(url)
    text_in = html if isinstance(html, str) else charset.decode(html, content_type, source.encoding)[0]
    try:
        tree = load_html(text_in)
        if tree is None:
            log.warning("no HTML tree: %s", url)
            return None
        # lxml.html makes a Python proxy for an element each time a loop reaches it (its class lookup
        # is Python code), unless one is alive: holding them all makes each of the dozens of walks
        # over the tree below 3-4x cheaper
        alive = list(tree.iter())
        with linememo.using(TEMPLATES.memo(url)):  # the host's lines read before cost a look-up
            official = read_html(tree)  # before trafilatura, which may prune the tree it is given
        body, meta = _main_text(tree, url, text_in)
        del alive
    except Exception:  # trafilatura or lxml on hostile markup: one bad page must not end the run
        log.exception("extraction failed: %s", url)
        return None
    if not body:
        log.warning("no main text found: %s", url)
        return None
    paragraphs = tuple(p for p in (" ".join(line.split()) for line in body.splitlines()) if p)
    title, title_source = _title(meta, hints)
    published, date_text, date_source = _date(meta, hints, url)
    article = Article(
        source_id=source.id,
        url=url,
        title=title,
        raw_text="\n".join(paragraphs),
        paragraphs=paragraphs,
        title_source=title_source,
        published_at=published,
        date_text=date_text,
        date_source=date_source,
        author=(meta.author or None) if meta is not None else None,
        language=_language(body, source),
    )
    return with_official(article, official, ZoneInfo(source.timezone))


def _main_text(tree: HtmlElement, url: str, text_in: str) -> tuple[str, PageMeta | None]:
    # One precision-mode pass (from the host's learned frame when there is one, parsers.extract.hosts);
    # the balanced pass runs only when precision kept almost nothing. On the aeb benchmark: F1 0.969,
    # where always running both passes gave 0.967 at 0.6x the speed.
    plan = TEMPLATES.plan(url)
    meta = page_meta(tree, url, with_byline=plan is None or not plan.skip_byline)  # before the pass
    article_body = _jsonld_body(tree)
    precise, meta = _precise(tree, url, text_in, plan, meta)
    text = precise or ""
    if len(text) < _SHORT:
        balanced_doc = _bare(
            _parse(text_in), url=url, include_comments=False
        )  # the tree is spent: parse again
        balanced = (balanced_doc.text or "") if balanced_doc is not None else ""
        text = balanced if len(balanced) > 2 * len(text) else text
    if len(article_body) >= _JSONLD_MIN and len(article_body) > 2 * len(text):
        text = article_body
    return unicodedata.normalize("NFC", text), meta if precise is not None else None


def _precise(
    tree: HtmlElement, url: str, text_in: str, plan: hosts.Plan | None, meta: PageMeta
) -> tuple[str | None, PageMeta]:
    """The precision pass's text, from the host's template frame if that gives the full pass's text; the
    page's metadata, with the byline searched if the plan left it out and the page is not the template's."""
    opts = precision.options(url)
    small = hosts.cut(tree, plan.frame) if plan is not None else None
    if plan is not None and small is not None:
        frame, trace = plan.frame, dict[str, Any]()
        text = _guarded(small, opts, lambda: _cut_again(text_in, frame), trace)
        if not trace.get("whole_page") and trace.get("frame") == frame and text is not None:
            if not plan.check:
                TEMPLATES.count("template")
                if plan.skip_byline and meta.author is None:
                    TEMPLATES.count("byline_skipped")
                return text, meta
            full = _guarded(_parse(text_in), opts, lambda: _parse(text_in), {})
            TEMPLATES.count("checked")
            if full != text:
                TEMPLATES.drop(url, "text")
            elif meta.byline and TEMPLATES.expects_no_byline(url):
                TEMPLATES.drop(url, "byline")
            return full, meta
        TEMPLATES.count("fallback")
        tree = _parse(text_in)  # the frame was cut out of it
        if plan.skip_byline:  # another layout than the template's: its byline is searched after all
            meta = with_byline(meta, tree)
    elif plan is not None and plan.skip_byline:  # no such frame on this page: not the template's layout
        meta = with_byline(meta, tree)
    trace = {}
    text = _guarded(tree, opts, lambda: _parse(text_in), trace, TEMPLATES.recovers(url))
    TEMPLATES.count("full")
    found = None if trace.get("whole_page") else trace.get("frame")
    TEMPLATES.observe(url, found, meta.byline, bool(trace.get("recovered")))
    return text, meta


def _cut_again(text_in: str, frame: hosts.Frame) -> HtmlElement:
    small = hosts.cut(_parse(text_in), frame)
    return small if small is not None else _parse(text_in)


def _guarded(
    tree: HtmlElement, opts: Any, again: Any, trace: dict[str, Any], keep_backup: bool = False
) -> str | None:
    try:
        return precision.precise_text(tree, opts, again, trace, keep_backup)
    except (TypeError, ValueError):  # as bare_extraction: this page has no usable text for trafilatura
        return None


def _parse(text: str) -> HtmlElement:
    tree = load_html(text)
    if tree is None:
        raise ValueError("no HTML tree")
    return tree


def _bare(tree: HtmlElement, **options: Any) -> TrafilaturaDocument | None:
    found = trafilatura.bare_extraction(tree, **options)
    return found if isinstance(found, TrafilaturaDocument) else None


def _jsonld_body(tree: HtmlElement) -> str:
    bodies: list[str] = []
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            stack: list[Any] = [json.loads(script)]
        except ValueError:
            continue
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("articleBody"), str):
                    bodies.append(node["articleBody"])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return htmlmod.unescape(max(bodies, key=len)).strip() if bodies else ""


def _title(meta: Any, hints: Link) -> tuple[str, str]:
    page = " ".join((meta.title or "").split()) if meta is not None else ""
    if hints.title and (not page or hints.title in page):
        return hints.title, hints.via  # the hint is the page title without the site name
    if page:
        match = _SITE_SUFFIX.match(page)
        return (match.group("title").strip() if match else page), "page"
    return "", "page"


def _date(meta: Any, hints: Link, url: str) -> tuple[datetime | None, str | None, str | None]:
    page_text = (meta.date or None) if meta is not None else None
    page = parse_date(page_text)
    hint = hints.published
    if hint is not None and (page is None or _same_day(hint, page)):
        return hint, hints.date_text or hint.isoformat(), hints.via
    if page is not None:
        return page, page_text, "page"
    # htmldate read the URL too, but not the compact forms of Chinese publishers (t20230707_, /20260119/)
    in_url = from_url(url)
    return (in_url, in_url.date().isoformat(), "url") if in_url is not None else (None, None, None)


def _same_day(hint: datetime, page: datetime) -> bool:
    if hint.tzinfo is not None and page.tzinfo is not None:
        hint = hint.astimezone(page.tzinfo)
    return hint.date() == page.date()


def _language(text: str, source: Source) -> str:
    letters = [ch for ch in text[:2000] if ch.isalpha()]
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in letters)
    return "zh" if letters and cjk >= 0.3 * len(letters) else source.language
