"""bench.scale's load benchmark: `load.load` of new articles in the flow's batches, story placement apart."""

from __future__ import annotations

import hashlib
import statistics
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from bench import scale_history
from bench.scale_build import core_tables
from bench.scale_templates import Template
from parsers.classify.measures import Measure
from parsers.model import Article, Document
from parsers.pipeline import Batch, CrawlState, Sighting
from parsers.stories import neardup

LOAD_ROWS = 2_000  # 4 batches: story placement against a 1M history takes seconds per batch
LOAD_BATCH = 500  # flows.ingest.BATCH_SIZE


@dataclass
class LoadBatch:
    """One batch of new articles with everything the flow's load task receives."""

    articles: list[Article]
    sightings: list[Any]
    fetched: list[Document]
    sketches: Any
    measures: list[Measure]
    leads: Any = None  # the lead-shingle signatures of the sketches (band keys of the first shingles)
    copies: list[str | None] | None = None  # per article, the story of the history article it copies


def load_batches(
    tmpl: list[Template],
    rows: int,
    tag: str,
    batch: int = LOAD_BATCH,
    history: str = "copies",
    originals: dict[str, Any] | None = None,
) -> list[LoadBatch]:
    """`rows` new articles (variants of the templates) in the flow's batches, ready for load_batch.

    Their sketches follow the warehouse's profile (bench.scale_history); `originals`: sampled history
    signature rows (`sig`, `n_shingles`, `story_id`) the distinct profile's near-copies copy.
    """
    from parsers.stories.hashing import content_hash
    from warehouse import stories

    real = neardup.sketch([t.clean_text for t in tmpl])
    paragraph_field = "paragraph_topics" in Article.__dataclass_fields__
    now = datetime.now()
    gen = np.random.default_rng(int.from_bytes(hashlib.sha256(tag.encode()).digest()[:4], "big"))
    out = []
    for lo in range(0, rows, batch):
        articles, base = [], []
        for k in range(lo, min(rows, lo + batch)):
            t = k % len(tmpl)
            text = f"Load {tag}-{k}\n\n{tmpl[t].clean_text}"
            url = f"http://127.0.0.1:1/news/load-{tag}-{k}.html"
            article = Article(
                source_id="local-news", url=url, title=tmpl[t].title, raw_text=tmpl[t].raw_text,
                paragraphs=tuple(text.split("\n\n")), title_source="page", published_at=now,
                date_text=now.isoformat(), date_source="page", language=tmpl[t].language, clean_text=text,
                content_hash=content_hash(text), topics=tmpl[t].topics, canonical_url=url,
            )  # fmt: skip
            article = replace(article, story_id=f"st-{article.article_id}")
            if paragraph_field:
                extra: dict[str, Any] = {"paragraph_topics": tmpl[t].paragraph_topics}
                article = replace(article, **extra)
            articles.append(article)
            base.append(t)
        keys = np.array([neardup.article_key(a.article_id) for a in articles], dtype=np.int64)
        sketch, copied = scale_history.new_articles(history, real, np.array(base), originals or {}, gen)
        text_keys = [f"{abs(int(k)):032x}" for k in keys.tolist()]
        sketches = stories.Sketches(
            stories._signature_table(articles, keys, sketch, text_keys), neardup.band_rows(keys, sketch)
        )
        out.append(
            LoadBatch(
                articles,
                [Sighting(a.url, a.article_id, a.source_id, a.canonical_url) for a in articles],
                [
                    Document(
                        "local-news", a.url, b"", now, "text/html", "utf-8", status=200, sha256=a.content_hash
                    )
                    for a in articles
                ],
                sketches,
                [
                    replace(m, article_id=a.article_id)
                    for a, t in zip(articles, base, strict=True)
                    for m in tmpl[t].measures
                ],
                sketch.leads,
                [None if c < 0 else (originals or {})["story_id"][c] for c in copied.tolist()],
            )
        )
    return out


def _delete_run(con: duckdb.DuckDBPyConnection, run_id: str, url_prefix: str) -> None:
    """Remove what a load of `run_id` inserted (band rows first: they are found through signatures)."""
    ids = "(SELECT article_id FROM core.articles WHERE run_id = $run)"
    con.execute(
        "DELETE FROM core.dedup_bands WHERE article_key IN"
        f" (SELECT article_key FROM core.dedup_signatures WHERE article_id IN {ids})",
        {"run": run_id},
    )
    for table in sorted(
        core_tables(con) & {"article_topics", "paragraph_topics", "measures", "dedup_signatures"}
    ):
        con.execute(f"DELETE FROM core.{table} WHERE article_id IN {ids}", {"run": run_id})
    con.execute("DELETE FROM core.sightings WHERE run_id = $run", {"run": run_id})
    con.execute("DELETE FROM core.articles WHERE run_id = $run", {"run": run_id})
    con.execute("DELETE FROM core.http_cache WHERE starts_with(url, $p)", {"p": url_prefix})


def _restore_token(con: duckdb.DuckDBPyConnection, token: list[tuple[int]]) -> None:
    """Put back the band index's token of before the load: with its rows deleted, the warehouse is again
    what the index's base holds (else the next repeat would rebuild the index, as after any such delete)."""
    con.execute("DELETE FROM core.band_index_state")
    con.executemany("INSERT INTO core.band_index_state VALUES (?)", [list(t) for t in token])


class _TimedCommits:
    """A connection that adds up the time of COMMIT and CHECKPOINT (DuckDB checkpoints inside a COMMIT
    once the WAL passes 16 MB)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.seconds = con, 0.0

    def execute(self, sql: str, *args: Any) -> duckdb.DuckDBPyConnection:
        if not sql.startswith(("COMMIT", "CHECKPOINT")):
            return self.con.execute(sql, *args)
        start = time.perf_counter()
        try:
            return self.con.execute(sql, *args)
        finally:
            self.seconds += time.perf_counter() - start

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


class _TimedStories:
    """warehouse.stories.assign with its time added up: the story placement's share of a load."""

    def __init__(self) -> None:
        from warehouse import stories

        self.module, self.assign, self.seconds = stories, stories.assign, 0.0

    def __enter__(self) -> _TimedStories:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return self.assign(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        self.module.assign = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        self.module.assign = self.assign  # type: ignore[assignment]


def load_benchmark(
    primary: Path, tmpl: list[Template], repeat: int, batch_size: int = LOAD_BATCH, history: str = "copies"
) -> dict[str, Any]:
    """Median seconds to load LOAD_ROWS new articles (batches of LOAD_BATCH, then CHECKPOINT).

    The batches carry their MinHash sketches, as `parsers.pipeline.prepare` makes them; the time
    of the story placement against the history (`warehouse.stories.assign`: the LSH band join and
    the candidates' scores) is measured apart, and the rest is the loader's writes.
    """
    from parsers.pipeline import ArticleSketches
    from warehouse import db, load

    times, commits, placements, inserted, checks = [], [], [], 0, []
    for r in range(repeat):
        tag = f"r{r}-{primary.stem}-{batch_size}"
        run_id = f"bench-load-{tag}"
        con = db.connect(primary)
        token = con.execute("SELECT token FROM core.band_index_state").fetchall()
        timed = _TimedCommits(con)
        try:
            batches = load_batches(tmpl, LOAD_ROWS, tag, batch_size, history, scale_history.originals(con, r))
            with _TimedStories() as placing:
                start = time.perf_counter()
                for b in batches:
                    batch = Batch("local-news", b.articles, b.sightings, b.measures,
                                  crawl=CrawlState(tuple(b.fetched)), sketches=_sketches(b, ArticleSketches))  # fmt: skip
                    result = load.load(timed, run_id, batch)  # type: ignore[arg-type]
                    inserted += len(result.new_article_ids)
                _checkpoint(timed)  # type: ignore[arg-type]
                times.append(time.perf_counter() - start)
            commits.append(timed.seconds)
            placements.append(placing.seconds)
            checks.append(scale_history.story_check(con, run_id, [(b.articles, b.copies) for b in batches]))
            _delete_run(con, run_id, f"http://127.0.0.1:1/news/load-{tag}-")  # untimed
            _restore_token(con, token)
            _checkpoint(con)
        finally:
            con.close()
    k = times.index(statistics.median_low(times))
    writes = times[k] - placements[k]
    return {
        "seconds": times[k],
        "runs": times,
        "rows_per_s": LOAD_ROWS / times[k],
        "commit_and_checkpoint_seconds": commits[k],
        "story_placement_seconds": placements[k],
        "write_seconds": writes,
        "write_rows_per_s": LOAD_ROWS / writes,
        "inserted": inserted,
        "stories": checks[k],
    }


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """CHECKPOINT the single file; nothing on the lake (the product never checkpoints one: there it is
    DuckLake's maintenance, compaction included, an operator's job apart from the loads)."""
    from warehouse import db

    if db.lake_config() is None:
        con.execute("CHECKPOINT")


def _sketches(b: LoadBatch, kind: Any) -> Any:
    """The batch's sketches as prepare hands them to the loader (the templates' real sketches)."""
    keys = b.sketches.signatures.column("text_key").to_pylist()
    sigs = np.frombuffer(b"".join(b.sketches.signatures.column("sig").to_pylist()), dtype=np.uint32)
    sigs = sigs.reshape(-1, neardup.NUM_PERM)
    sizes = b.sketches.signatures.column("n_shingles").to_numpy()
    leads = b.leads
    return kind(tuple(a.article_id for a in b.articles), neardup.Sketch(sigs, sizes, leads), tuple(keys))


def build_band_index(primary: Path) -> float:
    """Seconds to build the warehouse's band index from core.dedup_bands (the build writes the table only)."""
    from warehouse import band_index, db

    con = db.connect(primary)
    try:
        start = time.perf_counter()
        index = band_index.for_connection(con)
        if index is not None:
            index.lookup(con, np.zeros(0, np.int64))
        return time.perf_counter() - start
    finally:
        con.close()


def arrow_ceiling(primary: Path, tmpl: list[Template], repeat: int) -> float:
    """Rows/s of the LOAD_ROWS articles' rows alone: one Arrow insert into core.articles, COMMIT, CHECKPOINT.

    What DuckDB writes for this row shape (two texts of ~2.7 kB) with nothing else: the ceiling a
    load of these articles can approach (median of `repeat`; deleted again, untimed).
    """
    from warehouse import db, load, schemas

    times = []
    for r in range(repeat):
        tag = f"arrow-{r}-{primary.stem}"
        run_id = f"bench-{tag}"
        articles = [a for b in load_batches(tmpl, LOAD_ROWS, tag) for a in b.articles]
        table = schemas.table("core.articles", load._article_rows(articles, run_id, datetime.now()))
        con = db.connect(primary)
        try:
            con.register("arrow_rows", table)
            start = time.perf_counter()
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT INTO core.articles BY NAME SELECT * FROM arrow_rows")
            con.execute("COMMIT")
            _checkpoint(con)
            times.append(time.perf_counter() - start)
            con.execute("DELETE FROM core.articles WHERE run_id = $run", {"run": run_id})
            _checkpoint(con)
        finally:
            con.close()
    return LOAD_ROWS / statistics.median_low(times)
