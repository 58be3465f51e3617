"""The Arrow schemas the loaders write match the migrated tables, column for column."""

from __future__ import annotations

import pyarrow as pa
import pytest

from warehouse import db, schemas


def _type(t: pa.DataType) -> str:
    """A type's name, lists by their item type (DuckDB names a list's item field `l`, Arrow `item`)."""
    return f"list<{t.value_type}>" if pa.types.is_list(t) else str(t)


@pytest.fixture(scope="module")
def con():
    con = db.connect(":memory:")
    yield con
    con.close()


@pytest.mark.parametrize("name", sorted(schemas.SCHEMAS))
def test_schema_matches_the_migrated_table(con, name):
    table = con.execute(f"SELECT * FROM {name} LIMIT 0").to_arrow_table()
    stored = [(f.name, _type(f.type)) for f in table.schema]
    declared = [(f.name, _type(f.type)) for f in schemas.SCHEMAS[name]]
    assert declared == stored, f"{name}: warehouse/schemas.py and the migrations disagree"


def test_an_empty_batch_keeps_its_types():
    empty = schemas.table("core.articles", [])
    assert empty.num_rows == 0 and empty.schema == schemas.SCHEMAS["core.articles"]


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError):
        schemas.table("core.failures", [("run", "source", "url")])
