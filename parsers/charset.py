"""Decode fetched bytes to text: which charset, and from where.

Order: the source's configured `encoding`, a byte-order mark, the HTTP `Content-Type` charset, a
`<meta charset>` / `http-equiv` tag or XML declaration in the first 4 KB, strict UTF-8, then GB18030
or Big5 if the bytes read as mostly Chinese that way (charset-normalizer picks between the two), and
last charset-normalizer. A declared charset that does not fit the bytes (more than 0.5 % undecodable) is
skipped, as Chinese sites often mislabel GBK pages. GB2312 and GBK decode as GB18030 (their
superset), Big5 as Big5-HKSCS, ISO-8859-1 and US-ASCII as windows-1252 (as browsers do).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
}
_WEB_ALIASES = {
    "x-gbk": "gbk",
    "windows-936": "gbk",
    "gb_2312-80": "gb2312",
    "csgb2312": "gb2312",
    "x-big5": "big5",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)", re.I)
_TAG = re.compile(r"<[^>]*>")
_MAX_BAD = 0.005
_CHINESE = ("gb18030", "big5hkscs")


def normalize(name: str | None) -> str | None:
    """The Python codec to decode `name` with (supersets applied), or None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    try:
        codec = codecs.lookup(_WEB_ALIASES.get(name, name)).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")):
        return None  # a BOM decides those; a page that reads as ASCII yet declares UTF-16 is wrong
    return _SUPERSETS.get(codec, codec)


def header_charset(content_type: str | None) -> str | None:
    """The charset named in a Content-Type header value, if any."""
    match = _HEADER.search(content_type or "")
    return match.group(1) if match else None


def declared_charset(body: bytes) -> str | None:
    """The charset declared inside the document: XML declaration or `<meta>` in the first 4 KB."""
    head = body[:4096]
    match = _XML_DECL.match(head) or _META.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def detect(body: bytes, content_type: str | None = None, override: str | None = None) -> str:
    """The codec name `decode` would use for these bytes."""
    return _choose(body, content_type, override)[1]


def decode(body: bytes, content_type: str | None = None, override: str | None = None) -> tuple[str, str]:
    """Text and codec name of `body`, see the module docstring for the order of evidence."""
    text, encoding = _choose(body, content_type, override)
    return (text if text is not None else body.decode(encoding, "replace")), encoding


def _choose(body: bytes, content_type: str | None, override: str | None) -> tuple[str | None, str]:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, "replace").lstrip("\ufeff"), name
    declared = (override, header_charset(content_type), declared_charset(body))
    for candidate in dict.fromkeys(filter(None, map(normalize, declared))):
        text = _fits(body, candidate)
        if text is not None:
            return text, candidate
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    chinese = [codec for codec in _CHINESE if _mostly_cjk(body, codec)]
    matches = from_bytes(body)
    best = matches.best()
    if chinese:  # short GBK snippets fool generic detectors (cp949, big5): trust it only between these
        guess = normalize(best.encoding) if best is not None else None
        return None, guess if guess in chinese else chinese[0]
    if best is None:
        return None, "utf-8"
    if not best.multi_byte_usage and any(m.encoding == "cp1252" and m.chaos <= best.chaos for m in matches):
        return None, "cp1252"  # among equally clean 8-bit readings prefer the web's default, as browsers do
    return None, normalize(best.encoding) or "utf-8"


def _mostly_cjk(body: bytes, codec: str) -> bool:
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        return False
    text = _TAG.sub(" ", text)  # markup is ASCII whatever the charset: judge the words only
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return cjk > 0 and cjk >= 0.3 * sum(ch.isalpha() for ch in text)


def _fits(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        text = body.decode(codec, "replace")
    bad = text.count("\ufffd")
    return text if bad <= max(1, len(text) * _MAX_BAD) else None
