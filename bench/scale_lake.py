"""bench.scale on the DuckLake backend: the synthetic history copied from a built DuckDB file into a lake.

The lake (a DuckDB-file catalog and a folder of Parquet files, `warehouse.lake`) is migrated by the
product's own `lake.connect`, then each table of the built file is copied into it by one
`INSERT ... SELECT` (one commit per table, as a bulk import would do it). The loads then run through
`warehouse.db.connect` with `TRADEWIRE_CATALOG` / `TRADEWIRE_LAKE_DATA` set: the product's path.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import duckdb

SKIP = {"schema_migrations"}  # the lake's own migrations wrote it


def lake_env(folder: Path) -> dict[str, str]:
    """The environment that makes `warehouse.db.connect` open the lake in `folder`."""
    return {"TRADEWIRE_CATALOG": str(folder / "meta.ducklake"), "TRADEWIRE_LAKE_DATA": str(folder / "data")}


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY ALL", [database]
    ).fetchall()
    return [(s, t) for s, t in rows if t not in SKIP]


def fill_lake(primary: Path, folder: Path) -> dict[str, Any]:
    """Copy every table of the DuckDB file `primary` into a new lake in `folder`; seconds and file counts."""
    from warehouse import lake

    os.environ.update(lake_env(folder))
    cfg = lake.config()
    assert cfg is not None
    start = time.perf_counter()
    con = lake.connect(cfg)
    timings: dict[str, float] = {}
    try:
        con.execute(f"ATTACH '{primary}' AS src (READ_ONLY)")
        mine = set(_tables(con, lake.ALIAS))
        for schema, table in _tables(con, "src"):
            if (schema, table) not in mine:
                raise RuntimeError(f"the lake has no table {schema}.{table}")
            clock = time.perf_counter()
            con.execute(
                f"INSERT INTO {lake.ALIAS}.{schema}.{table} BY NAME SELECT * FROM src.{schema}.{table}"
            )
            timings[f"{schema}.{table}"] = time.perf_counter() - clock
        con.execute("DETACH src")
    finally:
        con.close()
    seconds = time.perf_counter() - start
    print("   lake fill: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items() if v >= 0.5), flush=True)
    return {"seconds": seconds, **data_files(folder)}


def data_files(folder: Path) -> dict[str, Any]:
    """Parquet files and MB under the lake's data folder (what each commit adds to)."""
    files = list((folder / "data").rglob("*.parquet"))
    return {"files": len(files), "mb": sum(p.stat().st_size for p in files) / 1e6}


def _timed_insert(con: duckdb.DuckDBPyConnection, table: Any) -> tuple[float, float]:
    """Seconds of one Arrow insert into core.articles (in its transaction), and of its COMMIT."""
    con.register("arrow_rows", table)
    try:
        start = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO core.articles BY NAME SELECT * FROM arrow_rows")
        inserted = time.perf_counter()
        con.execute("COMMIT")
        return inserted - start, time.perf_counter() - inserted
    finally:
        con.unregister("arrow_rows")


def _seconds(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    start = time.perf_counter()
    con.execute(sql)
    return time.perf_counter() - start


# DuckLake writes Parquet with snappy unless told otherwise (`set_option('parquet_compression', ...)`,
# kept in the catalog); lz4 and uncompressed are measured beside it: the text columns dominate the rows.
CODECS = ("snappy", "lz4", "uncompressed")


def ceilings(primary: Path, folder: Path, tmpl: list[Any], repeat: int) -> dict[str, Any]:
    """The LOAD_ROWS articles' rows alone into the DuckDB file and into the lake, repeats interleaved.

    The file: insert + COMMIT, then CHECKPOINT (the single-file load ends with one; bench.scale's
    ceiling counts both). The lake: insert + COMMIT per codec (the product never checkpoints a lake:
    DuckLake's CHECKPOINT is its maintenance, compaction included). Median of `repeat`, rows/s, the
    insert and the commit apart, the Parquet files and MB each lake insert adds.
    """
    from datetime import datetime

    from bench.scale_load import LOAD_ROWS, load_batches
    from warehouse import db, lake, load, schemas

    os.environ.update(lake_env(folder))
    cfg = lake.config()
    assert cfg is not None
    runs: dict[str, list[dict[str, float]]] = {}
    for r in range(repeat):
        tag = f"ceiling-{r}-{primary.stem}"
        run_id = f"bench-{tag}"
        articles = [a for b in load_batches(tmpl, LOAD_ROWS, tag) for a in b.articles]
        table = schemas.table("core.articles", load._article_rows(articles, run_id, datetime.now()))
        delete = f"DELETE FROM core.articles WHERE run_id = '{run_id}'"  # untimed, after each
        con = db.open_file(primary)
        try:
            insert, commit = _timed_insert(con, table)
            checkpoint = _seconds(con, "CHECKPOINT")
            runs.setdefault("file", []).append({"insert": insert, "commit": commit, "checkpoint": checkpoint})
            con.execute(delete)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        con = lake.connect(cfg)
        try:
            for codec in CODECS:
                con.execute(f"CALL {lake.ALIAS}.set_option('parquet_compression', '{codec}')")
                before = data_files(folder)
                insert, commit = _timed_insert(con, table)
                after = data_files(folder)
                runs.setdefault(f"lake_{codec}", []).append({
                    "insert": insert, "commit": commit, "files": after["files"] - before["files"],
                    "mb": after["mb"] - before["mb"],
                })  # fmt: skip
                con.execute(delete)
            con.execute(f"CALL {lake.ALIAS}.set_option('parquet_compression', '{CODECS[0]}')")
        finally:
            con.close()
    return {name: _summary(rows, LOAD_ROWS) for name, rows in runs.items()}


def _summary(rows: list[dict[str, float]], n: int) -> dict[str, float]:
    """Medians of each part, and rows/s of the median run (its timed parts summed)."""
    import statistics

    totals = [sum(v for k, v in row.items() if k not in ("files", "mb")) for row in rows]
    out = {k: statistics.median(row[k] for row in rows) for k in rows[0]}
    out["rows_per_s"] = n / statistics.median_low(totals)
    if "checkpoint" in rows[0]:
        out["commit_rows_per_s"] = n / statistics.median_low([row["insert"] + row["commit"] for row in rows])
    return out


def run_phase(phase: str, primary: Path, folder: Path, repeat: int) -> dict[str, Any]:
    """bench.scale's `--phase lake` (fill the lake from the built file) or `--phase ceiling`."""
    from bench.scale_templates import templates

    if phase == "lake":
        return fill_lake(primary, folder)
    return ceilings(primary, folder, templates(), repeat)


def fill_and_ceilings(phase: Any, published: Path, folder: Path, name: str, repeat: int) -> dict[str, Any]:
    """In bench.scale's run: fill the lake, then both backends' ceilings (each in a process of its own)."""
    from bench.scale_load import LOAD_ROWS

    common = ("--path", str(published), "--lake", str(folder), "--repeat", str(repeat))
    filled = phase("lake", *common)
    print(f"  lake: filled from the file in {filled['seconds']:.0f} s, {filled['files']} Parquet files, "
          f"{filled['mb']:,.0f} MB", flush=True)  # fmt: skip
    ceiling = phase("ceiling", *common)
    ceiling.pop("peak_rss_mb", None)
    print(
        f"  ceiling, the {LOAD_ROWS:,} articles' rows alone, one Arrow insert, median of {repeat}:",
        flush=True,
    )
    for backend, c in ceiling.items():
        parts = ", ".join(
            f"{k} {v * 1000:.0f} ms" for k, v in c.items() if k in ("insert", "commit", "checkpoint")
        )
        extra = (
            f", {c['files']:.0f} files, {c['mb']:.1f} MB"
            if "files" in c
            else f"; without it {c['commit_rows_per_s']:,.0f} rows/s"
        )
        print(f"    {backend:<18} {c['rows_per_s']:>8,.0f} rows/s ({parts}{extra})", flush=True)
    return {
        f"lake_fill_seconds_{name}": filled["seconds"],
        f"lake_files_{name}": filled["files"],
        f"lake_mb_{name}": filled["mb"],
        **{f"ceiling_{backend}_{k}_{name}": v for backend, c in ceiling.items() for k, v in c.items()},
    }
