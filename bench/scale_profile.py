"""Where a load's time goes: bench.scale's load of 2,000 articles, timed statement by statement.

    python -m bench.scale_profile --path DIR/tw.duckdb [--batch 500] [--repeat 2]

Against a warehouse `python -m bench.scale --phase build` made (or, with `TRADEWIRE_CATALOG` and
`TRADEWIRE_LAKE_DATA` set, the lake `--phase lake` filled from it: bench/scale_lake.py; no CHECKPOINT
there). Each SQL statement the load runs is timed (execute and fetch), grouped by its first words;
the Python steps of `warehouse.load.insert` are timed as functions; both as ms per batch, median over
repeats (the rows are deleted again, untimed, as bench.scale does). Use it to choose what to cut,
then measure with bench.scale.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from bench import scale_history
from bench.scale_load import (
    LOAD_BATCH,
    LOAD_ROWS,
    _checkpoint,
    _delete_run,
    _restore_token,
    _sketches,
    load_batches,
)
from bench.scale_templates import templates


def _label(sql: str) -> str:
    """A statement's kind: its first words, the table it writes or reads first."""
    text = re.sub(r"\s+", " ", sql).strip()
    return text[:90]


class _Timed:
    """A connection that adds up the time of each statement (execute plus fetch) by its label."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spent: dict[str, float]) -> None:
        self.con, self.spent, self.last = con, spent, ""

    def execute(self, sql: str, *args: Any) -> _Timed:
        start = time.perf_counter()
        self.con.execute(sql, *args)
        self.last = _label(sql)
        self.spent[self.last] += time.perf_counter() - start
        return self

    def _fetch(self, name: str) -> Callable[..., Any]:
        def fetch(*args: Any) -> Any:
            start = time.perf_counter()
            try:
                return getattr(self.con, name)(*args)
            finally:
                self.spent[self.last] += time.perf_counter() - start

        return fetch

    def __getattr__(self, name: str) -> Any:
        if name.startswith("fetch") or name in ("to_arrow_table", "arrow"):
            return self._fetch(name)
        return getattr(self.con, name)


@contextmanager
def _timed_functions(spent: dict[str, float], targets: list[tuple[Any, str]]) -> Iterator[None]:
    """Replace each module attribute with a wrapper adding its time to `spent` ('py module.name')."""
    saved = []
    for module, name in targets:
        original = getattr(module, name)
        saved.append((module, name, original))

        def wrapper(
            *args: Any, _f: Any = original, _k: str = f"py {module.__name__}.{name}", **kw: Any
        ) -> Any:
            start = time.perf_counter()
            try:
                return _f(*args, **kw)
            finally:
                spent[_k] += time.perf_counter() - start

        setattr(module, name, wrapper)
    try:
        yield
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


def profile(primary: Path, batch_size: int, repeat: int) -> list[dict[str, float]]:
    """Per repeat, seconds per statement label and Python step for LOAD_ROWS articles (then CHECKPOINT)."""
    from parsers.pipeline import ArticleSketches, Batch, CrawlState
    from warehouse import crawl, db, load, measures, schemas, stories, story_candidates

    tmpl, runs = templates(), []
    for r in range(repeat):
        tag = f"p{r}-{primary.stem}-{batch_size}"
        run_id = f"bench-load-{tag}"
        con = db.connect(primary)
        token = con.execute("SELECT token FROM core.band_index_state").fetchall()
        spent: dict[str, float] = defaultdict(float)
        timed = _Timed(con, spent)
        targets = [(stories, "assign"), (story_candidates, "search"), (schemas, "table"),
                   (load, "_article_rows"), (measures, "measures_table"), (crawl, "cache_table"),
                   (stories, "store"), (load, "known_article_ids"), (load, "_sightings"), (crawl, "record")]  # fmt: skip
        try:
            batches = load_batches(
                tmpl, LOAD_ROWS, tag, batch_size, "distinct", scale_history.originals(con, r)
            )
            with _timed_functions(spent, targets):
                start = time.perf_counter()
                for b in batches:
                    batch = Batch("local-news", b.articles, b.sightings, b.measures,
                                  crawl=CrawlState(tuple(b.fetched)), sketches=_sketches(b, ArticleSketches))  # fmt: skip
                    load.load(timed, run_id, batch)  # type: ignore[arg-type]
                _checkpoint(timed)  # type: ignore[arg-type]
                spent["TOTAL"] = time.perf_counter() - start
            _delete_run(con, run_id, f"http://127.0.0.1:1/news/load-{tag}-")
            _restore_token(con, token)
            _checkpoint(con)
        finally:
            con.close()
        runs.append(dict(spent))
    return runs


def main(argv: list[str] | None = None) -> None:
    """Print ms per batch for each statement and step, largest first."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale_profile", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--path", required=True)
    parser.add_argument("--batch", type=int, default=LOAD_BATCH)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    from warehouse import db

    runs = profile(db.primary_path(Path(args.path)), args.batch, args.repeat)
    per_batch = LOAD_ROWS // args.batch
    keys = sorted({k for r in runs for k in r}, key=lambda k: -statistics.median(r.get(k, 0.0) for r in runs))
    print(
        f"{LOAD_ROWS:,} articles in batches of {args.batch} ({per_batch} batches), ms per batch, median of {len(runs)}"
    )
    for k in keys:
        ms = statistics.median(r.get(k, 0.0) for r in runs) * 1000 / per_batch
        print(f"{ms:9.1f}  {k}")


if __name__ == "__main__":
    main()
