"""Storing enumerated measures with the articles they come from."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from parsers.classify.fields import body_kind, load_gazetteer
from parsers.classify.measures import Measure, is_customs_measure

SCHEMA = pa.schema(
    [
        ("article_id", pa.string()), ("ordinal", pa.int32()), ("text", pa.string()),
        ("topics", pa.list_(pa.string())), ("announcement_no", pa.string()), ("issuing_body", pa.string()),
        ("issuing_kind", pa.string()), ("effective_date", pa.date32()), ("places", pa.list_(pa.string())),
        ("hs_codes", pa.list_(pa.string())), ("is_customs", pa.bool_()),
    ]
)  # fmt: skip


def measures_table(measures: list[Measure]) -> pa.Table:
    """Arrow rows for `core.measures`."""
    gazetteer = load_gazetteer()
    rows = [
        (m.article_id, m.ordinal, m.text, list(m.topics), m.announcement_no, m.issuing_body,
         body_kind(m.issuing_body, gazetteer) if m.issuing_body else None, m.effective_date, list(m.places),
         list(m.hs_codes), is_customs_measure(m))
        for m in measures
    ]  # fmt: skip
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(SCHEMA)
    return pa.table([pa.array(list(c), f.type) for c, f in zip(columns, SCHEMA, strict=True)], schema=SCHEMA)


def store(con: duckdb.DuckDBPyConnection, measures: list[Measure]) -> None:
    """Insert the measures of the articles just inserted (`fresh`), inside the caller's transaction."""
    if not measures:
        return
    con.register("batch_measures", measures_table(measures))
    try:
        con.execute(
            "INSERT INTO core.measures SELECT * FROM batch_measures SEMI JOIN fresh USING (article_id)"
        )
    finally:
        con.unregister("batch_measures")
