"""Official-document metadata of an HTML page: its blocks' texts and `<meta>` tags, read as `official` reads
any document (`parsers.extract.official.read_lines`): pure functions.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml.etree import iterwalk
from lxml.html import HtmlElement

from parsers.extract import official_forms as forms
from parsers.extract.official import Official, read_lines

_BLOCKS = frozenset(
    [
        "p",
        "div",
        "td",
        "th",
        "li",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "ul",
        "ol",
        "section",
        "article",
        "header",
        "footer",
        "title",
        "caption",
        "label",
        "blockquote",
        "pre",
        "center",
    ]
)
_TEXTS = "//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
_EXCLUDED = frozenset(["script", "style", "noscript", "template"])
_META_TITLE = ("articletitle", "dc.title")
_META_PUBLISHED = ("pubdate", "firstpublishedtime", "publishdate", "dc.date")
_clean = forms.clean  # not from the host's memo: the look-up costs more than the cleaning


def read_html(tree: HtmlElement) -> Official:
    """The official-document metadata of an HTML page (its tree as lxml parsed it)."""
    meta: dict[str, str] = {}
    for node in tree.iter("meta"):
        name = (node.get("name") or node.get("property") or "").strip().lower()
        content = forms.clean(node.get("content") or "")
        if content:
            meta.setdefault(name, content)
    hints = {}
    if title := next((meta[k] for k in _META_TITLE if k in meta), None):
        hints["title"] = title
    if published := next((meta[k] for k in _META_PUBLISHED if k in meta), None):
        hints["published"] = published
    return read_lines(block_lines(tree), hints)


def block_lines(tree: HtmlElement) -> list[str]:
    """The text of each block (table cell, paragraph, list item, ...) of the page, in document order.

    What `_texts` selects, the texts of one block (even across inline tags) joined as one line: one walk
    that keeps the innermost block around it on a stack, instead of looking up each text's block
    (`tests/test_official_fast.py` compares both).
    """
    lines: list[str] = []
    parts: list[str] = []
    owner: HtmlElement | None = None
    stack: list[HtmlElement | None] = [None]
    walk = iterwalk(tree, events=("start", "end"))
    for event, element in walk:
        tag = element.tag
        if event == "start":
            if tag in _BLOCKS:
                stack.append(element)
            elif tag in _EXCLUDED:  # script, style, ...: not entered; the next event is its end (its tail)
                walk.skip_subtree()
                continue
            text = element.text if isinstance(tag, str) else None
        else:
            if tag in _BLOCKS:
                stack.pop()
            text = element.tail
        if text:
            if stack[-1] is not owner:
                _flush(lines, parts)
                owner = stack[-1]
            parts.append(str(text))
    _flush(lines, parts)
    return lines


def _texts(tree: HtmlElement) -> Iterator[tuple[str, HtmlElement, bool]]:
    """What `_TEXTS` selects, with each text's element and whether it is that element's tail, in one walk.

    The XPath tests every text node's ancestors (a third of reading a page's metadata); a walk keeps
    count of the excluded elements it is inside instead. `tests/test_official_fast.py` compares both.
    """
    inside = 0
    for event, element in iterwalk(tree, events=("start", "end")):
        excluded = element.tag in _EXCLUDED
        if event == "start":
            inside += excluded
            if not inside and element.text and isinstance(element.tag, str):
                yield element.text, element, False
        else:
            inside -= excluded
            if not inside and element.tail:
                yield element.tail, element, True


def _flush(lines: list[str], parts: list[str]) -> None:
    text = _clean("".join(parts))
    if text:
        lines.append(text)
    parts.clear()
