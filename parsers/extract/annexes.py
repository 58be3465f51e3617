"""From a fetched annex (`Document`) to its text (`Attachment`), or a `Failure` saying why not: pure.

The format is read from the bytes, not from the URL or the Content-Type (government servers send
`application/octet-stream` for everything, and an `.xls` may be an HTML page): `%PDF` (pypdf), a ZIP
holding `xl/workbook.xml` (XLSX, openpyxl read-only) or `word/document.xml` (DOCX, python-docx), an
OLE2 compound file with a `Workbook` stream (XLS, xlrd). Anything else is an unsupported-format
failure row: old binary Word `.doc` (no well-kept pure-Python reader exists; convert it to DOCX or
PDF upstream), WPS, OFD, archives, HTML pages. An encrypted PDF that opens with the empty password
(permissions only) is read; one that needs a password is a failure row. A PDF with no text layer
(a scan) is stored with empty text; one whose page content inflates past pypdf's decompression
limit (75 MB a stream) is a failure row (a PDF bomb). Runs in a worker process under the parse budgets
(`flows.parallel.extract_attachments`).
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from parsers.extract.office import AnnexError, docx_text, xls_text, xlsx_text, zip_kind
from parsers.isolation import describe, failure
from parsers.model import Attachment, AttachmentLink, Document, Failure, Source

log = logging.getLogger(__name__)
STAGE = "attachment"
MAX_TEXT_CHARS = 2_000_000  # per annex: a 500-page tariff schedule is about 1.5 M characters
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(body: bytes) -> str:
    """The annex's format from its first bytes: pdf, xlsx, docx, xls, or a word for what it is instead."""
    head = body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return zip_kind(body)
    if head.startswith(_OLE):
        if "WordDocument".encode("utf-16-le") in body:
            return "doc"
        if any(name.encode("utf-16-le") in body for name in ("Workbook", "Book")):
            return "xls"
        return "ole"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<table")):
        return "html"
    if stripped.startswith(b"<?xml"):
        return "xml"
    return "unknown"


_UNSUPPORTED = {
    "doc": "old binary Word .doc is not supported (no well-kept reader): only DOCX, PDF, XLS and XLSX are read",
    "ole": "an OLE2 compound file that is neither an XLS workbook nor a Word file: unsupported format",
    "badzip": "corrupt file: a damaged ZIP container (a broken or cut-off XLSX or DOCX?)",
    "zip": "a ZIP archive that is no XLSX or DOCX (an archive of files, .wps, .ofd?): unsupported format",
    "xml": "an XML file (an Excel 2003 XML spreadsheet?), not a PDF, XLSX, XLS or DOCX: unsupported format",
    "html": "a web page, not a document (the server answered with HTML): unsupported format",
}


def pdf_text(body: bytes) -> str:
    """The text layer of every page of a PDF (pypdf); an encrypted one only if the empty password opens it."""
    from pypdf import PasswordType, PdfReader

    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as exc:  # an unknown security handler, a missing AES backend
                raise AnnexError(f"encrypted PDF that cannot be decrypted: {describe(exc)}") from None
            if opened == PasswordType.NOT_DECRYPTED:
                raise AnnexError("encrypted PDF: a password is needed to open it, none is known")
        pages = [page.extract_text() or _empty(page) for page in reader.pages]
    except AnnexError:
        raise
    except Exception as exc:  # pypdf's PdfReadError and whatever a damaged file provokes
        raise AnnexError(f"corrupt PDF: {describe(exc)}") from None
    return "\n".join(" ".join(line.split()) for page in pages for line in page.splitlines() if line.strip())


def _empty(page: Any) -> str:
    """'' for a page without text, unless its content inflates past pypdf's limits (a PDF bomb).

    pypdf's extract_text returns '' when a content stream is over its 75 MB decompression limit; only
    the stream itself says why, so pages without text are asked (a scan's contents are small).
    """
    from pypdf.errors import LimitReachedError

    try:
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
    except LimitReachedError as exc:
        raise AnnexError(f"PDF bomb refused: a page's content inflates past pypdf's limit ({exc})") from None
    return ""


_READERS = {"pdf": pdf_text, "xlsx": xlsx_text, "xls": xls_text, "docx": docx_text}


def extract_attachment(source: Source, link: AttachmentLink, doc: Document) -> Attachment | Failure:
    """The annex's text with its identity (hash, size, type), or its failure row (stage `attachment`)."""
    kind = sniff(doc.body)
    reader = _READERS.get(kind)
    where = f"annex of {link.page_url}: "
    if reader is None:
        reason = _UNSUPPORTED.get(kind) or (
            f"unrecognised format (first bytes {doc.body[:8].hex(' ')}): only PDF, XLSX, XLS and DOCX are read"
        )
        return failure(source.id, link.url, STAGE, where + reason)
    try:
        text = reader(doc.body)
    except AnnexError as exc:
        return failure(source.id, link.url, STAGE, where + str(exc))
    if len(text) > MAX_TEXT_CHARS:
        log.warning("annex %s: text cut at %d characters", link.url, MAX_TEXT_CHARS)
        text = text[:MAX_TEXT_CHARS]
    return Attachment(
        page_url=link.page_url,
        url=link.url,
        name=link.name,
        media_type=MEDIA_TYPES[kind],
        text=text,
        sha256=doc.sha256 or hashlib.sha256(doc.body).hexdigest(),
        size=len(doc.body),
        fetched_at=doc.fetched_at,
    )
