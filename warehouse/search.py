"""Full-text search over title and clean text, and annexes' text: DuckDB's FTS extension (BM25), offline.

Two indexes: articles (title, clean text) and attachments (file name, text). An article's score is
its best match in either; a hit found in an annex names the file (`Hit.attachment`) and its
snippet is the annex's text.

Chinese: the FTS tokenizer knows only words between spaces and drops every non a-z character, so
the index is built from a copy of the texts in which each Han character stands alone (a transient
table, dropped once indexed: the index keeps its own terms), and a query's Han characters are
split the same way, and each Han run of the query must appear as written in the title or text (the
characters of 海关 scattered over a page do not make 海关; BM25 still ranks by the characters).

The extension comes from the `duckdb-extension-fts` wheel, so nothing is downloaded. The FTS
index cannot be updated incrementally: `refresh_index` rebuilds it, and the flow calls it only
after runs that loaded new articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError

INDEX_SCHEMA = "fts_core_search_articles"
ANNEX_INDEX_SCHEMA = "fts_core_search_attachments"
_HAN = r"\x{3400}-\x{9fff}\x{f900}-\x{faff}"  # CJK unified ideographs, extension A, compatibility
_HAN_RUN = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")
_SPACED = rf"regexp_replace(COLUMN, '([{_HAN}])', ' \1 ', 'g')"
_OPTIONS = rf"stemmer='porter', stopwords='english', ignore='(\\.|[^a-z0-9{_HAN}])+', overwrite=1"


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Install (from the bundled wheel, offline) and load the FTS extension."""
    try:
        con.execute("LOAD fts")
        return
    except duckdb.Error:
        pass
    import duckdb_extension_fts

    package = Path(duckdb_extension_fts.__file__).parent
    binary = next(package.glob(f"extensions/v{duckdb.__version__}/fts.duckdb_extension"), None)
    if binary is None:
        raise WarehouseError(f"no FTS extension for duckdb {duckdb.__version__} in {package}")
    con.execute(f"INSTALL '{binary}'")
    con.execute("LOAD fts")


def refresh_index(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the BM25 indexes over articles' title and clean text, and annexes' file name and text."""
    load_fts(con)
    for table, key, columns in (
        ("articles", "article_id", ("title", "clean_text")),
        ("attachments", "attachment_id", ("file_name", "text")),
    ):
        spaced = ", ".join(f"{_SPACED.replace('COLUMN', c)} AS {c}" for c in columns)
        con.execute(
            f"CREATE OR REPLACE TABLE core.search_{table} AS SELECT {key}, {spaced} FROM core.{table}"
        )
        names = ", ".join(f"'{c}'" for c in columns)
        con.execute(f"PRAGMA create_fts_index('core.search_{table}', '{key}', {names}, {_OPTIONS})")
        con.execute(f"DROP TABLE core.search_{table}")  # the index keeps its terms; the copy is not needed
    for old in ("fts_core_articles", "fts_core_attachments"):  # indexes of the first layout, unreadable now
        con.execute(f"DROP SCHEMA IF EXISTS {old} CASCADE")


def query_terms(query: str) -> tuple[str, list[str]]:
    """The query as the index reads it (Han characters spaced) and its Han runs, each to be found as written."""
    runs = _HAN_RUN.findall(query)
    return _HAN_RUN.sub(lambda m: " " + " ".join(m.group()) + " ", query), runs


def has_index(con: duckdb.DuckDBPyConnection, schema: str = INDEX_SCHEMA) -> bool:
    """Whether an FTS index (by default the articles') exists in this database."""
    row = con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?", [schema]).fetchone()
    return bool(row and row[0])


@dataclass(frozen=True)
class Hit:
    """One search result."""

    article_id: str
    score: float
    title: str
    published_at: object
    url: str
    topics: list[str]
    snippet: str
    attachment: str | None = None  # the annex's file name when the best match is in an annex


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    topic: str | None = None,
    since: date | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Articles matching `query`, best BM25 score first, optionally filtered by topic and date."""
    if not has_index(con):
        from warehouse.db import lake_config

        if lake_config() is not None:
            raise WarehouseError(
                "full-text search needs the file warehouse: DuckLake cannot hold DuckDB's FTS index;"
                " on the lake, filter with SQL (e.g. clean_text ILIKE '%customs clearance%')"
            )
        raise WarehouseError(
            "no search index yet: run `tradewire ingest` (it builds the index after loading)"
        )
    load_fts(con)
    terms, runs = query_terms(query)
    in_article = (
        " AND ".join(f"contains(title || ' ' || clean_text, $han{i})" for i in range(len(runs))) or "true"
    )
    in_annex = (
        " AND ".join(f"contains(file_name || ' ' || text, $han{i})" for i in range(len(runs))) or "true"
    )
    annexes = (
        f"""UNION ALL
            SELECT article_id, {ANNEX_INDEX_SCHEMA}.match_bm25(attachment_id, $query), file_name, left(text, 200)
            FROM core.attachments WHERE {in_annex}"""
        if has_index(con, ANNEX_INDEX_SCHEMA)
        else ""  # a warehouse indexed before annexes were: its next ingest builds the index
    )
    rows = con.execute(
        f"""
        WITH matched AS (
            SELECT article_id, {INDEX_SCHEMA}.match_bm25(article_id, $query) AS score,
                   NULL::VARCHAR AS file, NULL::VARCHAR AS excerpt
            FROM core.articles WHERE {in_article}
            {annexes}
        ),
        scored AS (
            SELECT article_id, max(score) AS score, arg_max(file, score) AS file,
                   arg_max(excerpt, score) AS excerpt
            FROM matched WHERE score IS NOT NULL GROUP BY article_id
        )
        SELECT s.article_id, s.score, a.title, a.published_at, a.url,
               coalesce((SELECT list(topic ORDER BY score DESC) FROM article_topics t
                         WHERE t.article_id = s.article_id), []) AS topics,
               coalesce(s.excerpt, left(a.clean_text, 200)) AS snippet, s.file
        FROM scored s JOIN articles a USING (article_id)
        WHERE ($topic IS NULL OR EXISTS (SELECT 1 FROM article_topics t
                                        WHERE t.article_id = s.article_id AND t.topic = $topic))
          AND ($since IS NULL OR a.published_at >= $since)  -- undated articles are left out
        ORDER BY s.score DESC
        LIMIT $limit
        """,
        {"query": terms, "topic": topic, "since": since, "limit": limit}
        | {f"han{i}": r for i, r in enumerate(runs)},
    ).fetchall()
    return [Hit(*row) for row in rows]
