"""Which links of an article page are annexes (附件, Annex, Attachment): a pure function of the page.

A link is an annex when its URL path ends in a document extension (`.pdf`, `.xls`, `.xlsx`, `.doc`,
`.docx`, and the other office and archive formats in `DOCUMENT_EXTENSIONS`), when its text does
(`进口商品清单.xlsx`), or when it is labelled as one: its text, or the text just before it in its
block, says 附件 / 附表 / 附录 / Annex / Attachment / Appendix (`附件：<a href="download?id=3">报名回执</a>`,
a form seen on real notices). A labelled link to a web page (`.html`, `.shtml`, `.jhtml`, ...) is a
reference, not an annex. Links inside a site's navigation (`nav`, `header` and `footer` elements, and
blocks whose id or class says nav, menu, header, footer, breadcrumb or sidebar) and links that are
not http(s) are skipped (an annex link that is no valid URL is `refused`: a failure row), and so are links to hosts outside the source's allowed hosts (`on_site`: on
real pages they are documents the text cites; an annex server on another host needs `allowed_hosts`).
Each URL is kept once, in page order, at most `MAX_PER_PAGE` per page (the rest
are reported so nothing is dropped unseen).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml.html import HtmlElement

from parsers.extract import charset
from parsers.fetch.policy import host_refusal, join_url
from parsers.model import AttachmentLink, Source

MAX_PER_PAGE = 20
DOCUMENT_EXTENSIONS = frozenset(
    {"pdf", "xls", "xlsx", "xlsm", "doc", "docx", "wps", "et", "ofd", "csv", "zip", "rar", "7z"}
)
PAGE_EXTENSIONS = frozenset({"html", "htm", "shtml", "jhtml", "xhtml", "php", "asp", "aspx"})
# English labels only as a noun heading a list: "Annex 2", "Attachment:", "Appendix IV", "Annex" alone;
# "annex the Jordan Valley" (a real headline link) is no annex.
_LABEL = re.compile(
    r"附\s*件|附\s*表|附\s*录"
    r"|\b(?:annex|attachment|appendix|enclosure)(?:es|s)?(?:\s*(?:\d+|[IVX]+\b|[A-Z]\b)|\s*[:：]|\s*$)",
    re.IGNORECASE,
)
_SKIPPED_BLOCKS = frozenset({"nav", "header", "footer"})
_SKIPPED_NAMES = re.compile(
    r"\b(?:nav|navbar|menu|header|footer|breadcrumbs?|crumbs?|sidebar)\b", re.IGNORECASE
)
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,5})$")
_BEFORE = 60  # characters of the block before a link that may label it


@dataclass(frozen=True)
class Refused:
    """An annex link that is no valid URL (`http://[::1/x.pdf`), with the reason."""

    url: str
    reason: str


@dataclass(frozen=True)
class Found:
    """The annex links of one page, the URLs past `MAX_PER_PAGE`, and the annex links that are no URL."""

    links: tuple[AttachmentLink, ...]
    over_cap: tuple[str, ...] = ()
    refused: tuple[Refused, ...] = ()


def extension(path_or_name: str) -> str:
    """The lower-case extension of a URL path or file name, without the dot ('' if none)."""
    found = _EXTENSION.search(posixpath.basename(unquote(path_or_name).strip()))
    return found.group(1).lower() if found else ""


def find_attachments(
    body: bytes | str,
    page_url: str,
    content_type: str | None = None,
    encoding: str | None = None,
    base_url: str | None = None,
) -> Found:
    """The annexes an HTML page links to, in page order (see the module docstring for the rule).

    Links resolve against `base_url` (the page's URL after redirects; default `page_url`); each
    `AttachmentLink` names `page_url`, the URL its article is known by.
    """
    text = body if isinstance(body, str) else charset.decode(body, content_type, encoding)[0]
    if not text.strip():
        return Found(())
    try:
        tree = lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError):  # no markup at all
        return Found(())
    base = _base_url(tree, base_url or page_url)
    found: dict[str, AttachmentLink] = {}
    refused: dict[str, Refused] = {}
    for anchor in tree.iter("a"):
        link = _annex(anchor, base, page_url)
        if isinstance(link, Refused):
            refused.setdefault(link.url, link)
        elif link is not None:
            found.setdefault(link.url, link)
    links = list(found.values())
    over = tuple(link.url for link in links[MAX_PER_PAGE:])
    return Found(tuple(links[:MAX_PER_PAGE]), over, tuple(refused.values()))


def on_site(
    links: tuple[AttachmentLink, ...], source: Source
) -> tuple[list[AttachmentLink], list[AttachmentLink]]:
    """(links on the source's allowed hosts, links to other sites): as in listings read with the
    default selector, off-site links are references the page cites, skipped without a failure row."""
    kept = [link for link in links if host_refusal(link.url, source) is None]
    return kept, [link for link in links if link not in kept]


def _base_url(tree: HtmlElement, page_url: str) -> str:
    href = next((b.get("href") for b in tree.iter("base") if b.get("href")), None)
    if not href:
        return page_url
    url, refusal = join_url(page_url, href)
    return page_url if refusal else url  # a broken <base> is ignored, as browsers ignore it


def _annex(anchor: HtmlElement, base: str, page_url: str) -> AttachmentLink | Refused | None:
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith("#") or any(_navigation(a) for a in anchor.iterancestors()):
        return None
    url, refusal = join_url(base, href)
    label = " ".join(anchor.text_content().split())
    path = href.split("?", 1)[0].split("#", 1)[0] if refusal else urlsplit(url).path
    if not _is_annex(path, label, anchor):
        return None
    if refusal:  # a mailto: or javascript: link is no file; a malformed URL of an annex is a failure
        return None if refusal.startswith("scheme") else Refused(url, f"link {label[:80]!r}: {refusal}")
    return AttachmentLink(page_url, url, _name(path, label), label)


def _is_annex(path: str, label: str, anchor: HtmlElement) -> bool:
    by_url, by_text = extension(path), extension(label)
    if by_url in DOCUMENT_EXTENSIONS or by_text in DOCUMENT_EXTENSIONS:
        return True
    if by_url in PAGE_EXTENSIONS:
        return False
    return bool(_LABEL.search(label) or _LABEL.search(_text_before(anchor)))


def _navigation(element: HtmlElement) -> bool:
    """A site's navigation, header or footer block (by tag, or by id or class as on most CMS pages)."""
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    return element.tag in _SKIPPED_BLOCKS or bool(_SKIPPED_NAMES.search(names))


def _name(path: str, label: str) -> str:
    """The link text when it names a file (`清单.xlsx`), else the URL's file name, else the link text."""
    if extension(label) in DOCUMENT_EXTENSIONS:
        return label
    segment = posixpath.basename(unquote(path))
    return segment if extension(segment) in DOCUMENT_EXTENSIONS else (label or segment or "attachment")


def _text_before(anchor: HtmlElement) -> str:
    """The last characters of the anchor's block before it: where `附件：` labels a list of links."""
    parent = anchor.getparent()
    if parent is None:
        return ""
    parts = [parent.text or ""]
    for child in parent:
        if child is anchor:
            break
        if isinstance(child.tag, str):
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return "".join(parts)[-_BEFORE:]
