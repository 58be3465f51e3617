"""bench.scale --backend lake: the lake it measures holds the built file's history, row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bench import scale_build, scale_lake, scale_templates


@pytest.fixture
def built(tmp_path, monkeypatch) -> Path:
    """A synthetic warehouse of 1,000 articles (variants of the real templates), as bench.scale builds it."""
    if not scale_templates.AEB.exists():
        pytest.skip("needs ../shared/corpora/aeb")
    monkeypatch.delenv("TRADEWIRE_CATALOG", raising=False)
    monkeypatch.delenv("TRADEWIRE_LAKE_DATA", raising=False)
    path = tmp_path / "tw.primary.duckdb"
    scale_build.build_warehouse(path, 1_000, scale_templates.templates(), "http://127.0.0.1:1/feed.xml")
    return path


def test_the_lake_holds_every_row_of_the_built_file(built, tmp_path, monkeypatch):
    for name, value in scale_lake.lake_env(tmp_path / "lake").items():
        monkeypatch.setenv(name, value)  # fill_lake sets them for its process; monkeypatch puts them back
    filled = scale_lake.fill_lake(built, tmp_path / "lake")
    assert filled["files"] > 0
    from warehouse import db

    con = db.connect(tmp_path / "unused.duckdb")  # the lake: TRADEWIRE_CATALOG is set
    try:
        con.execute(f"ATTACH '{built}' AS src (READ_ONLY)")
        tables = scale_lake._tables(con, "src")
        assert ("core", "articles") in tables and ("core", "dedup_bands") in tables
        for schema, table in tables:
            counts = con.execute(
                f"SELECT (SELECT count(*) FROM src.{schema}.{table}), (SELECT count(*) FROM {schema}.{table}),"
                f" (SELECT count(*) FROM (FROM src.{schema}.{table} EXCEPT ALL FROM {schema}.{table}))"
            ).fetchone()
            assert counts is not None and counts[0] == counts[1] and counts[2] == 0, (schema, table, counts)
        articles = con.execute("SELECT count(*) FROM articles").fetchone()
        assert articles == (1_000,)  # the view analysts read, on the lake
    finally:
        con.close()
    assert not (tmp_path / "unused.duckdb").exists()
    with duckdb.connect(str(built), read_only=True) as plain:
        assert plain.execute("SELECT count(*) FROM core.articles").fetchone() == (1_000,)  # source untouched
