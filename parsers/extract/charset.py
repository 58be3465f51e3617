"""Decode fetched bytes to text: which charset, and from where.

Order: the source's configured `encoding`, a byte-order mark, the HTTP `Content-Type` charset, a
`<meta charset>` / `http-equiv` tag or XML declaration in the first 4 KB, strict UTF-8, then GB18030
or Big5 if the bytes read as mostly Chinese that way (charset-normalizer picks between the two), and
last charset-normalizer. A declared charset that does not fit the bytes (more than 0.5 % undecodable) is
skipped, as Chinese sites often mislabel GBK pages. GB2312 and GBK decode as GB18030 (their
superset), Big5 as Big5-HKSCS, ISO-8859-1 and US-ASCII as windows-1252 (as browsers do).

Only ASCII-compatible text encodings are honoured when declared, as for browsers: Python's codec
registry also answers to names like `rot13`, `base64`, `zlib_codec` or `idna`, which are no charset
of a page (and raise or garble when used as one); UTF-16 and UTF-32 are recognised by their BOM or,
for XML, by the first bytes of `<?xml`. `well_formed` makes any text storable (no lone surrogates).
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

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
_XML_WIDE = (  # XML without a BOM announces UTF-16/32 by how "<?" is spelled (XML 1.0, appendix F)
    (b"<\x00\x00\x00?\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<\x00\x00\x00?", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
# Markup that every charset a page may declare reads as itself: ASCII letters, digits, the
# characters that shift stateful codecs ("+" in UTF-7, "\\" in the escape codecs, "~" in HZ); read
# with errors="replace", as `decode` does (idna refuses any handler but "strict").
_ASCII_PROBE = b'<p class="a-b">+Az09~ \\n\\u00e9 &amp; x</p>\r\n'
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEADER = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)", re.I)
_TAG = re.compile(r"<[^>]*>")
_MAX_BAD = 0.005
_CHINESE = ("gb18030", "big5hkscs")


def normalize(name: str | None) -> str | None:
    """The Python codec to decode `name` with (supersets applied), or None if it names no charset."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if not name.isascii() or len(name) > 64:
        return None
    try:
        codec = codecs.lookup(_WEB_ALIASES.get(name, name)).name
    except (LookupError, ValueError):
        return None
    codec = _SUPERSETS.get(codec, codec)
    return codec if _is_page_charset(codec) else None


@lru_cache(maxsize=256)
def _is_page_charset(codec: str) -> bool:
    """Whether `codec` is a text encoding that reads ASCII markup as itself (see the module docstring)."""
    if not getattr(codecs.lookup(codec), "_is_text_encoding", True):
        return False  # bytes-to-bytes codecs: rot13, base64, zlib_codec, hex, uu, bz2, quopri
    try:
        return _ASCII_PROBE.decode(codec, "replace") == _ASCII_PROBE.decode("ascii")
    except (UnicodeError, LookupError):  # idna, undefined: text codecs, but not for documents
        return False


def well_formed(text: str) -> str:
    """`text` with lone surrogates (which no encoder, DuckDB or Arrow accepts) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


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
    for start, name in _XML_WIDE:
        if body.startswith(start):
            return body.decode(name, "replace"), name
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
    text = _fits(body, codec)  # a stray byte (in a broken declaration, say) must not hide the words
    if text is None:
        return False
    text = _TAG.sub(" ", text)  # markup is ASCII whatever the charset: judge the words only
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return cjk > 0 and cjk >= 0.3 * sum(ch.isalpha() for ch in text)


def _fits(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except UnicodeError:
        text = body.decode(codec, "replace")
    bad = text.count("\ufffd")
    return text if bad <= max(1, len(text) * _MAX_BAD) else None
