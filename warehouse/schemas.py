"""The Arrow schema of every table the loaders write, declared once, column for column as migrated.

`tests/test_schemas.py` checks each against the migrated warehouse (names, order, types), so a
migration that adds a column fails there until the schema here has it too. Loaders build their
batches with `table(name, rows)` and insert `BY NAME`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import pyarrow as pa

_S, _TS, _I32, _F64 = pa.string(), pa.timestamp("us"), pa.int32(), pa.float64()
_LIST = pa.list_(pa.string())

SCHEMAS: dict[str, pa.Schema] = {
    "core.articles": pa.schema(
        [
            ("article_id", _S), ("content_hash", _S), ("source_id", _S), ("url", _S), ("title", _S),
            ("title_source", _S), ("published_at", _TS), ("date_text", _S), ("date_source", _S),
            ("agency", _S), ("author", _S), ("language", _S), ("clean_text", _S), ("raw_text", _S),
            ("run_id", _S), ("loaded_at", _TS), ("story_id", _S), ("canonical_url", _S), ("official", pa.bool_()),
            ("document_no", _S), ("issuer", _S), ("issuer_canonical", _S), ("written_at", pa.date32()),
            ("article_key", pa.uint64()),
        ]
    ),
    "core.article_topics": pa.schema([("article_id", _S), ("topic", _S), ("score", _F64), ("evidence", _LIST)]),
    "core.paragraph_topics": pa.schema(
        [("article_id", _S), ("paragraph", _I32), ("topic", _S), ("score", _F64), ("evidence", _LIST)]
    ),
    "core.sightings": pa.schema(
        [("url", _S), ("article_id", _S), ("source_id", _S), ("run_id", _S), ("seen_at", _TS), ("canonical_url", _S)]
    ),
    "core.failures": pa.schema(
        [("run_id", _S), ("source_id", _S), ("url", _S), ("stage", _S), ("reason", _S), ("at", _TS)]
    ),
    "core.measures": pa.schema(
        [
            ("article_id", _S), ("ordinal", _I32), ("text", _S), ("topics", _LIST), ("announcement_no", _S),
            ("issuing_body", _S), ("issuing_kind", _S), ("effective_date", pa.date32()), ("places", _LIST),
            ("hs_codes", _LIST), ("is_customs", pa.bool_()),
        ]
    ),
    "core.source_runs": pa.schema(
        [
            ("run_id", _S), ("source_id", _S), ("at", _TS), ("found", _I32), ("new", _I32), ("duplicate", _I32),
            ("failed", _I32), ("mean_text_chars", _F64),
        ]
    ),
    "core.http_cache": pa.schema(
        [
            ("url", _S), ("source_id", _S), ("kind", _S), ("status", _I32), ("etag", _S), ("last_modified", _S),
            ("sha256", _S), ("fetched_at", _TS), ("url_key", pa.uint64()),
        ]
    ),
    "core.frontier": pa.schema(
        [
            ("url", _S), ("source_id", _S), ("title_hint", _S), ("date_hint", _TS), ("date_text", _S),
            ("hint_source", _S), ("first_seen", _TS), ("attempts", _I32), ("last_error", _S),
        ]
    ),
    "core.dedup_signatures": pa.schema(
        [
            ("article_key", pa.int64()), ("article_id", _S), ("text_key", _S), ("n_shingles", _I32),
            ("sig", pa.binary()), ("story_id", _S),
        ]
    ),
    "core.dedup_bands": pa.schema([("article_key", pa.int64()), ("band", pa.uint8()), ("key", pa.int64())]),
    "core.event_keys": pa.schema([("key", pa.int64()), ("day", _I32), ("article_id", _S)]),
    "core.event_profiles": pa.schema([("article_id", _S), ("day", _I32), ("event_id", _S), ("profile", _S)]),
    "core.event_placements": pa.schema(
        [
            ("article_id", _S), ("event_id", _S), ("kind", _S), ("matched", _S), ("probability", _F64),
            ("why", _S), ("placed_at", _TS),
        ]
    ),
    "core.alert_sources": pa.schema(
        [
            ("alert_id", _S), ("article_id", _S), ("source_id", _S), ("url", _S), ("title", _S), ("language", _S),
            ("published_at", _TS), ("first_seen", _TS), ("rule", _S), ("probability", _F64), ("why", _S),
            ("run_id", _S),
        ]
    ),
    "core.article_revisions": pa.schema(
        [
            ("article_id", _S), ("revision", _I32), ("url", _S), ("source_id", _S), ("fetched_at", _TS),
            ("changed", _LIST), ("title", _S), ("clean_text", _S), ("content_hash", _S), ("metadata", _S),
            ("diff", _S), ("customs", pa.bool_()), ("run_id", _S),
        ]
    ),
    "core.listings": pa.schema(
        [("url", _S), ("source_id", _S), ("listed_at", _TS), ("previous_poll_at", _TS), ("via", _S)]
    ),
    "core.attachments": pa.schema(
        [
            ("attachment_id", _S), ("article_id", _S), ("url", _S), ("file_name", _S), ("media_type", _S), ("text", _S), ("sha256", _S),
            ("bytes", pa.int64()), ("fetched_at", _TS),
        ]
    ),
}  # fmt: skip


def md5_lower(value: str) -> int:
    """DuckDB's `md5_number_lower(value)`: the row keys of migrations 019 and 021."""
    return int.from_bytes(hashlib.md5(value.encode()).digest()[8:], "little")


def table(name: str, rows: Iterable[Sequence[object]]) -> pa.Table:
    """An Arrow table of `name`'s schema from row tuples in its column order (an empty one keeps its types)."""
    schema = SCHEMAS[name]
    rows = list(rows)
    if any(len(row) != len(schema) for row in rows):
        raise ValueError(f"{name}: every row needs {len(schema)} values")
    # transposed by zip in C: a loop appending each value took most of a batch's row building
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table([pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)
