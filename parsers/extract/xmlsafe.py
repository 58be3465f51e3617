"""Refuse XML that declares entities before any parser sees it (billion laughs, quadratic blowup).

Like defusedxml's default, any `<!ENTITY` after a DOCTYPE is refused: news feeds and sitemaps have
no use for them. A DOCTYPE that only names an external DTD (RSS 0.91) is fine; nothing here fetches it.

The check runs on the text, not the bytes: an XML parser decodes the document before it expands
anything, and in EBCDIC, UTF-16/32 or UTF-7 (or with an escape sequence of ISO-2022 or HZ inside
the keyword) `<!ENTITY` is not those ASCII bytes. So the document is read in every encoding a
parser could choose for it (feedparser, lxml): the byte-order mark, the encoding family its first
bytes show (XML 1.0 appendix F), the encoding its declaration names, the HTTP charset and the
source's configured encoding, and as plain bytes (every ASCII-compatible charset). If any reading
declares entities, the document is refused.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)
_ENTITY = re.compile(r"<!ENTITY", re.I)
_DOCTYPE_BYTES = re.compile(rb"<!DOCTYPE", re.I)
_ENTITY_BYTES = re.compile(rb"<!ENTITY", re.I)
_DECLARED = re.compile(r"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"'>]{1,40})[\"']", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([^\s;\"']+)", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Without a BOM, the first bytes of "<" or "<?xml" show the family (XML 1.0 appendix F): NUL bytes
# mean UTF-16 or UTF-32, 0x4C ("<" in EBCDIC) an EBCDIC code page. EBCDIC pages differ in "!" (0x5A
# in cp037 and IBM-1047, 0x4F in cp500 and cp273): both are read.
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_EBCDIC = ("cp037", "cp500")
_EBCDIC_SPACE = b"\x40\x05\x25\x15\x0d"
_REFUSAL = "XML declares entities in its DOCTYPE (possible entity-expansion bomb): refused, not parsed"


def entity_refusal(body: bytes, content_type: str | None = None, encoding: str | None = None) -> str | None:
    """Why this XML must not be parsed (its DOCTYPE declares entities), or None if it may be.

    `content_type`: the HTTP header (its charset is one reading); `encoding`: the source's override.
    """
    doctype = _DOCTYPE_BYTES.search(body)
    # Search past the DOCTYPE to the end: a "]" in a comment or entity value must not end the check.
    if doctype and _ENTITY_BYTES.search(body, doctype.end()):
        return _REFUSAL
    for text in _readings(body, content_type, encoding):
        found = _DOCTYPE.search(text)
        if found and _ENTITY.search(text, found.end()):
            return _REFUSAL
    return None


def _readings(body: bytes, content_type: str | None, encoding: str | None) -> Iterator[str]:
    """The body decoded in each codec a parser might pick (the plain-bytes reading is done already)."""
    family = _family(body)
    named = [encoding, _header_charset(content_type)]
    named += [_declared(body, codec) for codec in ("latin-1", *family)]
    seen = set()
    for codec in [*family, *(c for name in named for c in _codecs(name))]:
        if codec in seen:
            continue
        seen.add(codec)
        try:
            yield body.decode(codec, "replace")
        except (LookupError, TypeError, ValueError):
            continue  # not a text encoding: no parser reads the document with it either


def _family(body: bytes) -> tuple[str, ...]:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return (codec,)
    if b"\x00" in body[:4]:
        return _WIDE
    return _EBCDIC if body[:4096].lstrip(_EBCDIC_SPACE).startswith(b"\x4c") else ()


def _declared(body: bytes, codec: str) -> str | None:
    head = body[:1024].decode(codec, "replace").lstrip("\ufeff")
    match = _DECLARED.match(head)
    return match.group(1).strip() if match else None


def _header_charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _codecs(name: str | None) -> tuple[str, ...]:
    if not name:
        return ()
    try:
        codec = codecs.lookup(name.strip()).name
    except (LookupError, ValueError):
        return ()
    if codec in ("utf-16", "utf-32"):  # without a BOM, parsers guess the byte order: read both
        return (f"{codec}-le", f"{codec}-be")
    return (codec,)
