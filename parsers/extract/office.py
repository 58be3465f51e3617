"""Text of spreadsheets and Word files (XLSX, XLS, DOCX), with a guard against ZIP bombs: pure functions.

XLSX and DOCX are ZIP containers. Before openpyxl or python-docx touch one, `check_zip` refuses a
container with too many members, whose members declare more than `MAX_UNZIPPED` bytes uncompressed in
all, or whose members actually inflate past it (a member's declared size can lie). Rows become lines
with cells separated by tabs, so a table's columns stay readable (`parsers.classify.fields.table_hs_codes`
reads HS codes by column). Every problem is an `AnnexError` whose message is fit for a failure row.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

MAX_UNZIPPED = 100_000_000  # bytes, all members together: ~20x a 5 MB container, far above real annexes
MAX_MEMBERS = 10_000
_ZERO_PADDED = re.compile(r"^0+$")  # a number format such as 0000000000 keeps an HS code's leading zeros


class AnnexError(Exception):
    """An annex whose text cannot be had; the message says why, in words fit for a failure row."""


def check_zip(body: bytes, what: str, limit: int = MAX_UNZIPPED) -> None:
    """Refuse a ZIP container that is corrupt or inflates past `limit` bytes (declared or actual)."""
    try:
        container = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise AnnexError(f"corrupt {what}: not a readable ZIP container ({exc})") from None
    with container:
        members = container.infolist()
        if len(members) > MAX_MEMBERS:
            raise AnnexError(f"zip bomb refused: {what} has {len(members)} members (limit {MAX_MEMBERS})")
        declared = sum(m.file_size for m in members)
        if declared > limit:
            raise AnnexError(
                f"zip bomb refused: {what} members declare {declared} bytes uncompressed"
                f" ({len(body)} compressed), over the {limit}-byte limit"
            )
        inflated = 0
        for member in members:
            try:
                inflated = _inflate(container, member, inflated, limit, what)
            except AnnexError:
                raise
            except Exception as exc:  # BadZipFile (bad CRC), zlib.error, EOFError: a damaged member
                raise AnnexError(f"corrupt {what}: member {member.filename!r}: {exc}") from None


def _inflate(
    container: zipfile.ZipFile, member: zipfile.ZipInfo, inflated: int, limit: int, what: str
) -> int:
    """`inflated` plus the member's actual uncompressed size, read in chunks and stopped past `limit`."""
    with container.open(member) as stream:
        while chunk := stream.read(1 << 20):
            inflated += len(chunk)
            if inflated > limit:
                raise AnnexError(f"zip bomb refused: {what} members inflate past the {limit}-byte limit")
    return inflated


def zip_kind(body: bytes) -> str:
    """'xlsx' or 'docx' by the container's members, 'zip' for another ZIP, 'badzip' for a damaged one."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as container:
            names = set(container.namelist())
    except (zipfile.BadZipFile, ValueError):
        return "badzip"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return "zip"


def cell_text(value: Any, number_format: str | None = None) -> str:
    """A cell as text: whole numbers without `.0`, zero-padded when the cell's format pads them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and number_format and _ZERO_PADDED.match(number_format):
        return str(value).zfill(len(number_format))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).split())


def _lines(rows: Iterable[list[str]]) -> Iterator[str]:
    for cells in rows:
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            yield "\t".join(cells)


def xlsx_text(body: bytes) -> str:
    """Every sheet of an XLSX workbook, read-only (openpyxl), a `# sheet` line then its rows."""
    check_zip(body, "XLSX workbook")
    import openpyxl  # here, not at import: only runs that read annexes pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise AnnexError(f"corrupt XLSX workbook: {type(exc).__name__}: {exc}") from None
    try:
        out: list[str] = []
        for sheet in book.worksheets:
            rows = (
                [cell_text(c.value, getattr(c, "number_format", None)) for c in row]
                for row in sheet.iter_rows()
            )
            out += [f"# {sheet.title}", *_lines(rows)]
        return "\n".join(out)
    except AnnexError:
        raise
    except Exception as exc:
        raise AnnexError(f"corrupt XLSX workbook: {type(exc).__name__}: {exc}") from None
    finally:
        book.close()


def xls_text(body: bytes) -> str:
    """Every sheet of an old binary XLS workbook (xlrd), a `# sheet` line then its rows."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=body, on_demand=True)
    except Exception as exc:  # xlrd.XLRDError, struct errors, ... on a damaged file
        raise AnnexError(f"corrupt XLS workbook: {type(exc).__name__}: {exc}") from None
    try:
        out: list[str] = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = ([cell_text(v) for v in sheet.row_values(r)] for r in range(sheet.nrows))
            out += [f"# {sheet.name}", *_lines(rows)]
            book.unload_sheet(index)
        return "\n".join(out)
    except Exception as exc:
        raise AnnexError(f"corrupt XLS workbook: {type(exc).__name__}: {exc}") from None
    finally:
        book.release_resources()


def docx_text(body: bytes) -> str:
    """A Word DOCX file's paragraphs and tables in document order (python-docx)."""
    check_zip(body, "DOCX document")
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(body))
        out: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                out += _lines([cell_text(cell.text) for cell in row.cells] for row in block.rows)
            elif block.text.strip():
                out.append(" ".join(block.text.split()))
        return "\n".join(out)
    except Exception as exc:
        raise AnnexError(f"corrupt DOCX document: {type(exc).__name__}: {exc}") from None
