"""Refuse XML that declares entities before any parser sees it (billion laughs, quadratic blowup).

Like defusedxml's default, any `<!ENTITY` after a DOCTYPE is refused: news feeds and sitemaps have
no use for them. A DOCTYPE that only names an external DTD (RSS 0.91) is fine;
nothing here fetches it.
"""

from __future__ import annotations

import codecs
import re

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ENTITY = re.compile(rb"<!ENTITY", re.I)
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def entity_refusal(body: bytes) -> str | None:
    """Why this XML must not be parsed (its DOCTYPE declares entities), or None if it may be."""
    body = _as_8bit(body)
    doctype = _DOCTYPE.search(body)
    if doctype is None:
        return None
    # Search past the DOCTYPE to the end: a "]" in a comment or entity value must not end the check.
    if _ENTITY.search(body, doctype.end()):
        return "XML declares entities in its DOCTYPE (possible entity-expansion bomb): refused, not parsed"
    return None


def _as_8bit(body: bytes) -> bytes:
    for bom, codec in _WIDE:
        if body.startswith(bom):
            return body.decode(codec, "replace").encode("utf-8")
    if body[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        codec = "utf-16-le" if body[0] == 0x3C else "utf-16-be"
        return body.decode(codec, "replace").encode("utf-8")
    return body
