"""Printing query results for people (a table) and programs (CSV, JSON lines)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _cell(value: Any, width: int = 60) -> str:
    text = (
        "" if value is None else ", ".join(map(str, value)) if isinstance(value, list) else str(_plain(value))
    )
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table") -> None:
    """Print rows as an aligned table, CSV, or one JSON object per line."""
    if fmt == "json":
        for row in rows:
            print(json.dumps({c: _plain(v) for c, v in zip(columns, row, strict=True)}, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
    else:
        cells = [[_cell(v) for v in row] for row in rows]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
        print("  ".join("-" * w for w in widths))
        for r in cells:
            print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
