"""From a fetched or read `Document` to a parsed `Article`, or a `Failure` saying why not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from zoneinfo import ZoneInfo

from charset_normalizer import from_bytes

from parsers.extract import charset
from parsers.extract.canonical import canonical_url
from parsers.extract.dates import local_naive
from parsers.extract.html import extract_article
from parsers.extract.official import read_text
from parsers.extract.official_article import with_official
from parsers.extract.press import parse_press_text
from parsers.isolation import ItemGuard
from parsers.model import Article, Document, Failure, Source

_CONTROL = set(range(0, 9)) | {11, 12} | set(range(14, 32))


def looks_binary(body: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 kB: not a text document."""
    head = body[:8192]
    return b"\x00" in head or sum(b in _CONTROL for b in head) > len(head) * 0.05


def guess_encoding(body: bytes) -> str | None:
    """A likely encoding: Chinese ones first (short GBK texts fool generic detectors), then detection."""
    for encoding in ("gb18030", "big5"):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if sum("\u4e00" <= ch <= "\u9fff" for ch in text) >= 0.3 * sum(ch.isalpha() for ch in text):
            return "gbk" if encoding == "gb18030" else encoding
    best = from_bytes(body).best()
    return best.encoding if best else None


def decode_text(source_id: str, doc: Document) -> str | Failure:
    """Decode a text document with its declared encoding (UTF-8 by default), strictly."""
    if not doc.body.strip():
        return Failure(source_id, doc.url, "parse", "empty document")
    if looks_binary(doc.body):
        return Failure(
            source_id, doc.url, "parse", "binary content (NUL or control bytes), not a text document"
        )
    encoding = doc.encoding or "utf-8"
    codec = charset.normalize(encoding)  # web aliases (x-gbk) resolved to the codec Python knows
    if codec is None:  # unknown, or a codec such as rot13 that is no text encoding
        return Failure(
            source_id,
            doc.url,
            "parse",
            f"encoding {encoding!r} declared for this source is no usable text encoding",
        )
    try:
        return doc.body.decode(codec)
    except UnicodeDecodeError as exc:
        guess = guess_encoding(doc.body[:65536])
        hint = f"; it looks like {guess}: declare `encoding` for this source" if guess else ""
        return Failure(
            source_id,
            doc.url,
            "parse",
            f"not valid {encoding}: byte 0x{doc.body[exc.start]:02x} at offset {exc.start}{hint}",
        )


def parse_text(source: Source, doc: Document) -> Article | Failure:
    """Parser `text`: a plain-text press release like the seeds."""
    text = decode_text(source.id, doc)
    if isinstance(text, Failure):
        return text
    article = parse_press_text(text, source.id, doc.url)
    if article is None:
        return Failure(source.id, doc.url, "parse", "no text after removing navigation lines")
    official = read_text((article.title, *article.paragraphs))
    return with_official(article, official, ZoneInfo(source.timezone), prefer_document_title=True)


def parse_html(source: Source, doc: Document) -> Article | Failure:
    """Parser `html`: a news page, main text by trafilatura, dates and titles with their origin."""
    article = extract_article(doc.body, doc.final_url or doc.url, source, doc.link, doc.content_type)
    if article is None:
        return Failure(source.id, doc.url, "parse", "no article text found in the page")
    page = doc.body.decode(charset.normalize(doc.encoding) or "utf-8", "replace")
    return replace(
        article,
        url=doc.url,
        canonical_url=canonical_url(doc.url, page),  # honours rel=canonical / og:url within the site
        published_at=local_naive(article.published_at, source.timezone),
    )


PARSERS: dict[str, Callable[[Source, Document], Article | Failure]] = {"text": parse_text, "html": parse_html}


def parse_document(source: Source, doc: Document) -> Article | Failure:
    """Parse with the source's parser; a parser bug becomes a Failure row, not a crashed run."""
    parser = PARSERS.get(source.parser)
    if parser is None:
        return Failure(source.id, doc.url, "parse", f"no parser named {source.parser!r}")
    guard = ItemGuard(source.id, "parse")  # one bad page must never stop the batch
    article = guard.run(doc.url, parser, source, doc)
    return article if article is not None else guard.failures[0]
