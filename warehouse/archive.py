"""The raw archive: every fetched or read response, kept as zstd-compressed Parquet files.

Files live beside the warehouse (`tradewire.raw/YYYY-MM/<run>-<source>-<n>.parquet`), are written
before anything is parsed, and appear atomically (written under a temporary name, then renamed).
They are not copied when the analysts' file is published. `reparse` rebuilds every article from
them without the network.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from parsers.model import Document, Link

SCHEMA = pa.schema(
    [
        ("run_id", pa.string()), ("source_id", pa.string()), ("kind", pa.string()), ("url", pa.string()),
        ("final_url", pa.string()), ("status", pa.int32()), ("headers", pa.string()),
        ("content_type", pa.string()), ("encoding", pa.string()), ("sha256", pa.string()),
        ("etag", pa.string()), ("last_modified", pa.string()), ("fetched_at", pa.timestamp("us")),
        ("title_hint", pa.string()), ("date_hint", pa.timestamp("us")), ("date_text_hint", pa.string()),
        ("hint_source", pa.string()), ("body", pa.large_binary()),
    ]
)  # fmt: skip


@dataclass(frozen=True)
class RawRecord:
    """One archived response: an index page (`kind='index'`), an article document or an annex (`attachment`)."""

    kind: str
    document: Document
    headers: tuple[tuple[str, str], ...] = ()


def archive_dir(published: Path | str) -> Path:
    """The raw archive folder beside the published warehouse file."""
    published = Path(published)
    return published.with_name(published.stem + ".raw")


def _naive(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=None) if value and value.tzinfo else value


def write(published: Path | str, run_id: str, source_id: str, records: list[RawRecord]) -> Path | None:
    """Append records to the archive as one new Parquet file; returns its path (None if no records)."""
    if not records:
        return None
    rows: dict[str, list[object]] = {name: [] for name in SCHEMA.names}
    for r in records:
        d = r.document
        values = (
            run_id, source_id, r.kind, d.url, d.final_url or d.url, d.status, json.dumps(r.headers),
            d.content_type, d.encoding, d.sha256, d.etag, d.last_modified, _naive(d.fetched_at),
            *_hint_columns(d.link), d.body,
        )  # fmt: skip
        for name, value in zip(SCHEMA.names, values, strict=True):
            rows[name].append(value)
    month = _naive(records[0].document.fetched_at).strftime("%Y-%m")  # type: ignore[union-attr]
    folder = archive_dir(published) / month
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{run_id}-{source_id}-{len(list(folder.glob(f'{run_id}-{source_id}-*')))}.parquet"
    staging = target.with_name("." + target.name + ".tmp")
    pq.write_table(pa.table(rows, schema=SCHEMA), staging, compression="zstd")
    os.replace(staging, target)
    return target


def read_documents(published: Path | str, batch_size: int = 500) -> Iterator[list[Document]]:
    """Every archived article document, latest fetch per URL, in batches (oldest first)."""
    files = sorted(archive_dir(published).glob("*/*.parquet"))
    if not files:
        return
    query = f"""
        SELECT * FROM read_parquet({[str(f) for f in files]!r}, union_by_name = true)
        WHERE kind = 'article' AND status = 200
        QUALIFY row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) = 1
        ORDER BY fetched_at, url
    """
    with duckdb.connect() as con:
        result = con.execute(query)
        names = [d[0] for d in result.description or []]
        while chunk := result.fetchmany(batch_size):
            yield [_document(dict(zip(names, row, strict=True))) for row in chunk]


def read_attachments(published: Path | str, urls: list[str]) -> dict[str, Document]:
    """The archived annexes (kind 'attachment') of these URLs, latest fetch per URL."""
    files = sorted(archive_dir(published).glob("*/*.parquet"))
    if not files or not urls:
        return {}
    query = f"""
        SELECT * FROM read_parquet({[str(f) for f in files]!r}, union_by_name = true)
        WHERE kind = 'attachment' AND status = 200 AND list_contains($urls, url)
        QUALIFY row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) = 1
    """
    with duckdb.connect() as con:
        result = con.execute(query, {"urls": sorted(set(urls))})
        names = [d[0] for d in result.description or []]
        documents = [_document(dict(zip(names, row, strict=True))) for row in result.fetchall()]
    return {d.url: d for d in documents}


def _hint_columns(link: Link | None) -> tuple[object, ...]:
    """A document's link as the archive's hint columns (its summary is not archived)."""
    if link is None:
        return None, None, None, None
    return link.title, _naive(link.published), link.date_text, link.via


def _document(row: dict[str, Any]) -> Document:
    fields = {k: row[k] for k in ("source_id", "url", "fetched_at", "content_type", "encoding", "final_url",
                                  "status", "etag", "last_modified", "sha256")}  # fmt: skip
    link = None
    if row["hint_source"] is not None:
        link = Link(
            row["url"], row["title_hint"], row["date_hint"], row["date_text_hint"], via=row["hint_source"]
        )
    return Document(body=bytes(row["body"]), link=link, **fields)
