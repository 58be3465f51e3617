"""One set of migrations for both backends: the DuckLake dialect of a migration's SQL.

DuckLake tables hold no keys, indexes, CHECK or foreign-key constraints, and no upserts: keys and
indexes are dropped (the loaders' anti-joins keep uniqueness), the rest is refused with a clear
error. `ducklake_sql` works on the code between string literals and comments, statement by statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from warehouse.db import WarehouseError

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|;|[^'\";/-]+|.", re.S)
_INDEX = re.compile(r"\s*CREATE\s+(UNIQUE\s+)?INDEX\b", re.I)
_SKIP = re.compile(r"\A\s*--\s*ducklake:\s*skip\b", re.I)  # a migration DuckLake has no use for
_KEY_CLAUSE = re.compile(r",\s*(PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", re.I)  # table-level key
_KEY_COLUMN = re.compile(r"\s+(PRIMARY\s+KEY|UNIQUE)\b", re.I)  # column-level key
_VIEW = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\w*\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"]+)", re.I
)
_COMMENT_ON_COLUMN = re.compile(r"\s*COMMENT\s+ON\s+COLUMN\s+([\w.\"]+)\.[\w\"]+\s+IS\b", re.I)
_UNSUPPORTED = {
    "CHECK constraint": re.compile(r"\bCHECK\s*\(", re.I),
    "foreign key": re.compile(r"\b(REFERENCES|FOREIGN\s+KEY)\b", re.I),
    "named constraint": re.compile(r"\bCONSTRAINT\b", re.I),
    "upsert (needs a key)": re.compile(r"\b(ON\s+CONFLICT|OR\s+REPLACE\s+INTO)\b", re.I),
}


def _statements(sql: str) -> Iterator[list[tuple[bool, str]]]:
    """Statements as lists of (is_code, text) pieces; literals and comments are not code."""
    pieces: list[tuple[bool, str]] = []
    for token in _TOKEN.findall(sql):
        if token == ";":
            yield pieces
            pieces = []
        elif token[0] in "'\"" or token.startswith(("--", "/*")):
            pieces.append((False, token))
        elif pieces and pieces[-1][0]:
            pieces[-1] = (True, pieces[-1][1] + token)
        else:
            pieces.append((True, token))
    yield pieces


def _relation(name: str) -> str:
    """`main.articles`, `"articles"` and `articles` alike: the unqualified, unquoted, lower-case name."""
    return name.replace('"', "").lower().removeprefix("main.")


def _statement_code(pieces: list[tuple[bool, str]]) -> str:
    return "".join(text if is_code else ("''" if text[0] == "'" else text if text[0] == '"' else " ")
                   for is_code, text in pieces)  # fmt: skip


def view_names(sql: str) -> set[str]:
    """The views a migration creates (for `ducklake_sql`'s `views`)."""
    found = set()
    for pieces in _statements(sql):
        match = _VIEW.match(_statement_code(pieces))
        if match:
            found.add(_relation(match.group(1)))
    return found


def ducklake_sql(sql: str, views: set[str] | frozenset[str] = frozenset()) -> str:
    """A migration as DuckLake takes it: what DuckLake lacks dropped, what it cannot mean refused.

    A migration whose first line is `-- ducklake: skip` becomes empty (recorded as applied, nothing run).
    Dropped: PRIMARY KEY / UNIQUE (column or table level), CREATE INDEX, and COMMENT ON COLUMN of a
    view (DuckLake keeps comments on tables, their columns and views, not on views' columns); `views`
    names the views earlier migrations created. Refused: CHECK, foreign keys, named constraints, upserts.
    """
    if _SKIP.match(sql):
        return ""  # the migration only changes what DuckLake does not have (keys, indexes)
    out = []
    views = set(views)
    for pieces in _statements(sql):
        code = _statement_code(pieces)
        if not code.strip() or _INDEX.match(code):
            continue  # comments only, or an index: DuckLake has none (it prunes by file statistics)
        view = _VIEW.match(code)
        if view:
            views.add(_relation(view.group(1)))
        comment = _COMMENT_ON_COLUMN.match(code)
        if comment and _relation(comment.group(1)) in views:
            continue
        for what, pattern in _UNSUPPORTED.items():
            if pattern.search(code):
                raise WarehouseError(f"DuckLake cannot apply a {what}: {code.strip()[:120]}")
        kept = [
            _KEY_COLUMN.sub("", _KEY_CLAUSE.sub("", text)) if is_code else text for is_code, text in pieces
        ]
        out.append("".join(kept).strip())
    return ";\n\n".join(out) + (";\n" if out else "")
