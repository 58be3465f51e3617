"""Storing enumerated measures with the articles they come from."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from parsers.classify.fields import body_kind, load_gazetteer
from parsers.classify.measures import Measure, is_customs_measure
from warehouse import schemas


def measures_table(measures: list[Measure]) -> pa.Table:
    """Arrow rows for `core.measures`."""
    gazetteer = load_gazetteer()
    rows = [
        (m.article_id, m.ordinal, m.text, list(m.topics), m.announcement_no, m.issuing_body,
         body_kind(m.issuing_body, gazetteer) if m.issuing_body else None, m.effective_date, list(m.places),
         list(m.hs_codes), is_customs_measure(m))
        for m in measures
    ]  # fmt: skip
    return schemas.table("core.measures", rows)


def store(con: duckdb.DuckDBPyConnection, measures: list[Measure]) -> None:
    """Insert the measures of the articles just inserted, inside the caller's transaction."""
    if not measures:
        return
    con.register("batch_measures", measures_table(measures))
    try:
        con.execute("INSERT INTO core.measures BY NAME SELECT * FROM batch_measures")
    finally:
        con.unregister("batch_measures")
