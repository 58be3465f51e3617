"""Scale benchmark: synthetic warehouses of 100k and 1M articles, built from variants of real pages.

Each warehouse has the real schema (`warehouse.db.connect` migrates it) and is filled with DuckDB SQL
from ~280 real texts (the aeb article bodies, the seed releases, the topic dev set), each article a
variant of one (a dateline and a reference line added, so every text and hash is distinct), with the
topics, measures and paragraph scores the real code gives that text, sightings (30% seen at a second
URL), an http_cache row per article URL, failures, run history (ingest_runs, source_runs), alerts for
every customs measure (delivered and latency-stamped, or duplicates), every article marked as looked at
by the alert step, and dedup signatures and LSH band rows drawn from the real texts' sketches: by
default each article a distinct text with 5% near-copies (`--history copies`: h16-load's history, ~373
or ~3,730 near-copies of each text; bench.scale_history). Nine sources; `local-news` is the feed the
no-op run revalidates.

Figures, per size:
  (a) load: `load.load` of 2,000 new articles in the flow's batches of 500 (with their sketches, as prepare
      makes them), then CHECKPOINT; median of 3 (the rows are deleted again, untimed, between repeats); rows/s,
      and apart: the story placement against the history and the writes (rows/s without the placement);
      and the stories they got (distinct history: ~5% are near-copies of sampled history articles and
      must join their stories, the others must start their own).
  (b) no-op run: the real `ingest` flow against a local HTTP server whose feed answers 304 (its
      validators are in http_cache); wall time of the flow run minus the time spent in HTTP fetches;
      the first run in the process (Prefect's client and workers start) is reported apart, then the
      median of 3 more. Per-task body times show where the rest goes.
  (c) dedup: `bench.dedup.scale` (1,000 new articles against a 100k and a 1M signature history).
  (d) peak RSS of each phase (the kernel's high-water mark, reset before each phase).

    python -m bench.scale [--sizes 100000,1000000] [--repeat 3] [--no-dedup] [--history distinct|copies|both]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from bench import scale_history
from bench.scale_templates import Template, template_tables, templates
from parsers.classify.measures import Measure
from parsers.model import Article, Document
from parsers.pipeline import Batch, CrawlState, Sighting
from parsers.stories import neardup

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (
    ("local-news", "http://127.0.0.1/feed.xml", "feed"),
    ("mofcom-news", "https://www.mofcom.gov.cn/xwfb/index.html", "listing"),
    ("mofcom-press", "https://www.mofcom.gov.cn/xwfbh/index.html", "listing"),
    ("gacc", "http://www.customs.gov.cn/customs/302249/302266/index.html", "listing"),
    ("scio", "http://www.scio.gov.cn/xwfb/index.html", "listing"),
    ("gov-cn", "https://english.www.gov.cn/news/rss.xml", "feed"),
    ("dalian", "https://www.dl.gov.cn/xxgk/index.html", "listing"),
    ("ecns", "https://www.ecns.cn/rss/rss.xml", "feed"),
    ("chinadaily", "https://www.chinadaily.com.cn/rss/china_rss.xml", "feed"),
)
RUNS_PER_SOURCE = 1460  # two years of runs twice a day
LOAD_ROWS = 2_000  # 4 batches: story placement against a 1M history takes seconds per batch
LOAD_BATCH = 500  # flows.ingest.BATCH_SIZE
EPOCH = datetime(2022, 1, 1)


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (each phase runs in a process of its own).

    VmHWM, not ru_maxrss: after fork + exec, ru_maxrss starts at the parent's peak.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Building a warehouse ---------------------------------------------------------------------

_IDS = """
CREATE OR REPLACE TEMP TABLE ids AS
SELECT i, src, t, s, source_id, host, official, published_at, content_hash, left(content_hash, 16) AS article_id,
       host || '/news/' || strftime(published_at, '%Y%m') || '/' || substr(content_hash, 17, 12) || '.html' AS url,
       'run-' || lpad((i * $runs // $n)::VARCHAR, 6, '0') AS run_id
FROM (
    SELECT i, src, (CASE WHEN hash(src, 'mix') % 10 < 7 THEN hash(src, 'template') % $topical
                    ELSE $topical + hash(src, 'template') % ($templates - $topical) END)::BIGINT AS t, s.*,
           TIMESTAMP '2022-01-01' + to_seconds((i * (730 * 86400) // $n)::BIGINT) AS published_at,
           md5('text-' || i || '-' || $seed) || md5('hash-' || i || '-' || $seed) AS content_hash
    -- src: the article a near-copy copies (bench.scale_history), its template and story; else itself
    FROM (SELECT i, CASE WHEN $copy_every > 0 AND i % $copy_every = 1 THEN i - 1 ELSE i END AS src
          FROM range($n) r(i)) r JOIN sources s ON s.s = i % 9
)
"""
_ARTICLES = """
INSERT INTO core.articles BY NAME
SELECT article_id, content_hash, source_id, url, m.title,
       CASE WHEN s % 2 = 0 THEN 'page' ELSE 'feed' END AS title_source,
       published_at, strftime(published_at, '%Y-%m-%d %H:%M') AS date_text,
       CASE WHEN s % 3 = 0 THEN 'text' WHEN s % 3 = 1 THEN 'page' ELSE 'feed' END AS date_source,
       CASE WHEN i % 4 = 0 THEN 'Xinhua' END AS agency, CASE WHEN i % 5 = 0 THEN 'Staff reporter' END AS author,
       m.language,
       'Ref. ' || i || ' (' || strftime(published_at, '%Y-%m-%d') || ')' || chr(10) || chr(10) || m.clean_text AS clean_text,
       'Home > News' || chr(10) || 'Ref. ' || i || chr(10) || m.raw_text || chr(10) || 'Share' AS raw_text,
       run_id, published_at + INTERVAL 1 HOUR AS loaded_at,
       'st-' || left(md5('story-' || (src // 3) || '-' || $seed), 16) AS story_id, url AS canonical_url, official
FROM ids JOIN tmpl m USING (t)
"""
_SIGHTINGS = """
INSERT INTO core.sightings BY NAME
SELECT url, article_id, source_id, run_id, published_at + INTERVAL 1 HOUR AS seen_at, url AS canonical_url FROM ids
UNION ALL
SELECT o.host || '/copy/' || substr(content_hash, 17, 12) || '.html', article_id, o.source_id, run_id,
       published_at + INTERVAL 5 HOUR, o.host || '/copy/' || substr(content_hash, 17, 12) || '.html'
FROM ids JOIN sources o ON o.s = (ids.s + 1 + i % 7) % 9
WHERE i % 10 < 3
"""
_HTTP_CACHE = """
INSERT INTO core.http_cache BY NAME
SELECT url, source_id, 'article' AS kind, 200 AS status, NULL AS etag,
       strftime(seen_at, '%a, %d %b %Y %H:%M:%S GMT') AS last_modified,
       md5(url) || md5(article_id) AS sha256, seen_at AS fetched_at
FROM core.sightings
UNION ALL
SELECT url, source_id, 'index', 200, '"' || left(md5(url), 8) || '"', NULL, md5(url) || md5(source_id),
       TIMESTAMP '2023-12-31'
FROM sources
"""
_TOPICS = "INSERT INTO core.article_topics SELECT article_id, topic, score, evidence FROM ids JOIN tmpl_topics USING (t)"
_PARAGRAPH_TOPICS = """
INSERT INTO core.paragraph_topics BY NAME
SELECT article_id, paragraph + 1 AS paragraph, topic, score, evidence FROM ids JOIN tmpl_para USING (t)
"""
_MEASURES = """
INSERT INTO core.measures BY NAME
SELECT ids.article_id, m.* EXCLUDE (article_id, n_shingles, msig)
FROM ids JOIN tmpl_measures m ON m.article_id = ids.t::VARCHAR
"""
_ALERTS = """
INSERT INTO core.alerts BY NAME
SELECT 'al-' || left(md5(ids.article_id || ':' || m.ordinal), 16) AS alert_id, ids.article_id, m.ordinal,
       a.story_id, a.title, m.issuing_body, m.announcement_no, ids.published_at, ids.url, m.text AS measure_text,
       m.n_shingles, m.msig AS sig,
       CASE WHEN i % 50 = 0 THEN 'delivered' ELSE 'duplicate' END AS status,
       CASE WHEN i % 50 <> 0 THEN 'al-' || left(md5((i - i % 50) || ':' || m.ordinal), 16) END AS duplicate_of,
       CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END AS attempts, ids.run_id,
       ids.published_at + INTERVAL 1 HOUR AS created_at,
       CASE WHEN i % 50 = 0 THEN ids.published_at + INTERVAL 1 HOUR END AS delivered_at,
       -- as the run that delivered it stamped it (warehouse.latency.stamp); else the first no-op run does
       CASE WHEN i % 50 = 0 THEN ids.published_at END AS listed_at,
       CASE WHEN i % 50 = 0 THEN 'page date' END AS listed_via,
       CASE WHEN i % 50 = 0 THEN ids.published_at + INTERVAL 1 HOUR END AS fetched_at
FROM ids JOIN tmpl_measures m ON m.article_id = ids.t::VARCHAR JOIN core.articles a ON a.article_id = ids.article_id
WHERE m.is_customs
"""
# every article already has its event profile, as after the flow's event step (else the first run
# places the whole history: 13 minutes at 100k); its template's real profile under its own id
_EVENT_PROFILES = """
INSERT INTO core.event_profiles BY NAME
SELECT article_id, (published_at::DATE - DATE '0001-01-01')::INTEGER + 1 AS day, 'ev-' || article_id AS event_id,
       replace(e.profile, '"id": "tmpl-' || lpad(t::VARCHAR, 4, '0') || '"', '"id": "' || article_id || '"') AS profile
FROM ids JOIN tmpl_events e USING (t)
"""
# every article looked at by the alert step, as migration 012 marks the history and each run its own
# (else the first no-op run reads and marks all of them: 36 s at 1M)
_CHECKED = "INSERT INTO core.alert_checked SELECT article_id, loaded_at FROM core.articles"
_FAILURES = """
INSERT INTO core.failures
SELECT run_id, source_id, host || '/news/broken-' || i || '.html',
       CASE WHEN i % 3 = 0 THEN 'fetch' ELSE 'parse' END,
       CASE WHEN i % 3 = 0 THEN 'HTTP 404 Not Found' ELSE 'no article text found in the page' END,
       published_at + INTERVAL 1 HOUR
FROM ids WHERE i % 50 = 7
"""
_RUNS = """
INSERT INTO ingest_runs BY NAME
SELECT 'run-' || lpad(r::VARCHAR, 6, '0') AS run_id, 'flow-' || r AS flow_run_id, 'live' AS profile,
       'seeds/sources.toml' AS registry, TIMESTAMP '2022-01-01' + to_seconds((r * 43200)::BIGINT) AS started_at,
       TIMESTAMP '2022-01-01' + to_seconds((r * 43200 + 95)::BIGINT) AS finished_at, 'completed' AS status,
       0 AS found, 0 AS new, 0 AS duplicate, 0 AS failed
FROM range($runs) x(r)
"""
_SOURCE_RUNS = """
INSERT INTO core.source_runs
SELECT 'run-' || lpad(r::VARCHAR, 6, '0'), source_id, TIMESTAMP '2022-01-01' + to_seconds((r * 43200 + s)::BIGINT),
       20 + (hash(r, s) % 30)::INTEGER, (hash(r, s, 'new') % ($n // $runs // 9 + 2))::INTEGER,
       (hash(r, s, 'dup') % 5)::INTEGER, (hash(r, s, 'fail') % 3)::INTEGER, 2500 + (hash(r, s) % 2000)::DOUBLE
FROM range($runs) x(r) CROSS JOIN sources
"""


def _sources_table(feed_url: str) -> pa.Table:
    rows = [
        (i, sid, feed_url if sid == "local-news" else url, kind) for i, (sid, url, kind) in enumerate(SOURCES)
    ]
    return pa.table(
        {
            "s": pa.array([r[0] for r in rows], pa.int64()),
            "source_id": [r[1] for r in rows],
            "url": [r[2] for r in rows],
            "host": ["/".join(r[2].split("/")[:3]) for r in rows],
            "kind": [r[3] for r in rows],
            "official": [
                r[1] in {"mofcom-news", "mofcom-press", "gacc", "scio", "gov-cn", "dalian"} for r in rows
            ],
        }
    )


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core'").fetchall()
    }


def build_warehouse(
    path: Path, size: int, tmpl: list[Template], feed_url: str, seed: int = 1, history: str = "distinct"
) -> dict[str, float]:
    """Create a migrated warehouse at `path` holding `size` synthetic articles; return build figures."""
    from warehouse import db

    start = time.perf_counter()
    runs = RUNS_PER_SOURCE
    # templates with topics first: 70% of articles are variants of one (a trade-news warehouse)
    tmpl = sorted(tmpl, key=lambda t: not t.topics)
    topical = sum(1 for t in tmpl if t.topics)
    params = {"n": size, "runs": runs, "templates": len(tmpl), "topical": topical, "seed": seed,
              "copy_every": scale_history.copy_every(history)}  # fmt: skip
    timings: dict[str, float] = {}
    con = db.connect(path)
    try:
        con.execute("SET memory_limit = '4GB'")
        for name, table in {**template_tables(tmpl), "sources": _sources_table(feed_url)}.items():
            con.register(f"{name}_arrow", table)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
            con.unregister(f"{name}_arrow")
        steps: list[tuple[str, Any]] = [
            ("ids", lambda: con.execute(_IDS, params)),
            ("articles", lambda: con.execute(_ARTICLES, {"seed": seed})),
            ("sightings", lambda: con.execute(_SIGHTINGS)),
            ("http_cache", lambda: con.execute(_HTTP_CACHE)),
            ("topics", lambda: con.execute(_TOPICS)),
            (
                "paragraph_topics",
                lambda: "paragraph_topics" in _tables(con) and con.execute(_PARAGRAPH_TOPICS),
            ),
            ("measures", lambda: con.execute(_MEASURES)),
            ("alerts", lambda: con.execute(_ALERTS)),
            ("failures", lambda: con.execute(_FAILURES)),
            ("alert_checked", lambda: con.execute(_CHECKED)),
            ("event_profiles", lambda: con.execute(_EVENT_PROFILES)),
            ("runs", lambda: con.execute(_RUNS, {"runs": runs})),
            ("source_runs", lambda: con.execute(_SOURCE_RUNS, {"runs": runs, "n": size})),
            ("dedup", lambda: _dedup_rows(con, tmpl, seed, history)),
            ("checkpoint", lambda: con.execute("CHECKPOINT")),
        ]
        for name, step in steps:
            clock = time.perf_counter()
            step()
            timings[name] = time.perf_counter() - clock
    finally:
        con.close()
    print("   build steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()), flush=True)
    return {"seconds": time.perf_counter() - start, "mb": path.stat().st_size / 1e6}


def _dedup_rows(
    con: duckdb.DuckDBPyConnection, tmpl: list[Template], seed: int, history: str, chunk: int = 100_000
) -> None:
    """Signatures and band rows for every article, drawn from its template's sketch (bench.scale_history)."""
    real = neardup.sketch([t.clean_text for t in tmpl])
    gen = np.random.default_rng(seed)
    offset = 0
    total = con.execute("SELECT count(*) FROM ids").fetchone()[0]  # type: ignore[index]
    while offset < total:
        rows = con.execute(
            "SELECT i.i, i.article_id, i.t, a.story_id FROM ids i JOIN core.articles a USING (article_id)"
            " WHERE i.i >= ? AND i.i < ? ORDER BY i.i",
            [offset, offset + chunk],
        ).fetchnumpy()
        offset += chunk
        n = len(rows["t"])
        base = rows["t"].astype(np.int64)
        ids = rows["article_id"].tolist()
        keys = np.array([neardup.article_key(x) for x in ids], dtype=np.int64)
        sketch = scale_history.history(history, real, base, rows["i"].astype(np.int64), gen)
        sig = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(4 * neardup.NUM_PERM), n, [None, pa.py_buffer(np.ascontiguousarray(sketch.sigs))]
        )
        signatures = pa.table(  # noqa: F841 - read by DuckDB by name
            {
                "article_key": keys,
                "article_id": pa.array(ids, pa.string()),
                "text_key": pa.array([f"{k & 0xFFFFFFFFFFFFFFFF:032x}" for k in keys.tolist()], pa.string()),
                "n_shingles": pa.array(sketch.sizes, pa.int32()),
                "sig": sig.cast(pa.binary()),
                "story_id": pa.array(rows["story_id"].tolist(), pa.string()),
            }
        )
        bands = neardup.band_rows(keys, sketch)  # noqa: F841
        con.execute("INSERT INTO core.dedup_signatures SELECT * FROM signatures")
        con.execute("INSERT INTO core.dedup_bands SELECT * FROM bands")


# --- (a) Load throughput ----------------------------------------------------------------------


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
        _tables(con) & {"article_topics", "paragraph_topics", "measures", "dedup_signatures"}
    ):
        con.execute(f"DELETE FROM core.{table} WHERE article_id IN {ids}", {"run": run_id})
    con.execute("DELETE FROM core.sightings WHERE run_id = $run", {"run": run_id})
    con.execute("DELETE FROM core.articles WHERE run_id = $run", {"run": run_id})
    con.execute("DELETE FROM core.http_cache WHERE starts_with(url, $p)", {"p": url_prefix})


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
                timed.execute("CHECKPOINT")
                times.append(time.perf_counter() - start)
            commits.append(timed.seconds)
            placements.append(placing.seconds)
            checks.append(scale_history.story_check(con, run_id, [(b.articles, b.copies) for b in batches]))
            _delete_run(con, run_id, f"http://127.0.0.1:1/news/load-{tag}-")  # untimed
            con.execute("CHECKPOINT")
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


def _sketches(b: LoadBatch, kind: Any) -> Any:
    """The batch's sketches as prepare hands them to the loader (the templates' real sketches)."""
    from parsers.stories import neardup

    keys = b.sketches.signatures.column("text_key").to_pylist()
    sigs = np.frombuffer(b"".join(b.sketches.signatures.column("sig").to_pylist()), dtype=np.uint32)
    sigs = sigs.reshape(-1, neardup.NUM_PERM)
    sizes = b.sketches.signatures.column("n_shingles").to_numpy()
    leads = b.leads
    return kind(tuple(a.article_id for a in b.articles), neardup.Sketch(sigs, sizes, leads), tuple(keys))


# --- (b) A run that finds nothing new ---------------------------------------------------------


def prepare_noop(published: Path, site: Any) -> None:
    """Store the feed's validators (so it answers 304) and make the analysts' copy exist and be fresh.

    The analysts' file is a hard link to the primary: a run that changes nothing does not republish
    (flows.tasks.publish), so its content never matters here, only that it exists and is recent.
    """
    from warehouse import db

    primary = db.primary_path(published)
    with duckdb.connect(str(primary)) as con:
        con.execute("DELETE FROM core.http_cache WHERE url = ?", [site.feed_url])  # the table has no key
        con.execute(
            "INSERT INTO core.http_cache VALUES (?, 'local-news', 'index', 200, ?, NULL, ?, ?)",
            [site.feed_url, site.etag, hashlib.sha256(site.feed).hexdigest(), datetime.now()],
        )
        con.execute("CHECKPOINT")
    _relink(published)


def _relink(published: Path) -> None:
    from warehouse import db

    primary = db.primary_path(published)
    if published.exists() and published.stat().st_ino == primary.stat().st_ino:
        return
    published.unlink(missing_ok=True)
    os.link(primary, published)


def noop_benchmark(published: Path, repeat: int) -> dict[str, Any]:
    """The real ingest flow against a feed that answers 304: median of `repeat` runs after a warm-up."""
    from bench.pipeline import Site, load_pages, run_flow, write_registry

    runs: list[dict[str, Any]] = []
    with Site(load_pages()[:20]) as site:
        registry = write_registry(published.parent, site.feed_url)
        prepare_noop(published, site)
        for r in range(repeat + 1):
            inode = published.stat().st_ino
            summary, figures = run_flow(registry, str(published))
            figures["republished"] = published.stat().st_ino != inode
            _relink(published)
            if summary.found or summary.new or summary.failed:
                raise RuntimeError(f"the no-op run found something: {summary}")
            if r:  # the first run in a process also starts Prefect's client and workers: reported apart
                runs.append(figures)
            else:
                first = figures
        if site.not_modified < repeat + 1:
            raise RuntimeError("the feed was not revalidated with a 304")
    outside = [f["wall_seconds"] - f["network_seconds"] for f in runs]
    median = statistics.median(outside)
    typical = runs[outside.index(sorted(outside)[len(outside) // 2])]
    return {
        "seconds": median,
        "runs": outside,
        "first_run_seconds": first["wall_seconds"] - first["network_seconds"],
        "first_run_prefect_overhead_seconds": first["prefect_overhead_seconds"],
        "wall_seconds": statistics.median(f["wall_seconds"] for f in runs),
        "network_seconds": statistics.median(f["network_seconds"] for f in runs),
        "prefect_overhead_seconds": statistics.median(f["prefect_overhead_seconds"] for f in runs),
        "flow_overhead_seconds": statistics.median(f["flow_overhead_seconds"] for f in runs),
        "flow_body_seconds": statistics.median(f["flow_body_seconds"] for f in runs),
        "after_body_seconds": statistics.median(f["after_body_seconds"] for f in runs),
        "task_overhead_seconds": statistics.median(f["task_overhead_seconds"] for f in runs),
        "republished": any(f["republished"] for f in runs),
        "task_body_seconds": typical["task_body_seconds"],
    }


# --- All of it: each phase in a fresh process (its own peak RSS, nothing left over) -------------


def label(size: int) -> str:
    """100000 -> '100k', 1000000 -> '1m'."""
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"


def last_row_group_rows(size: int, row_group: int = 122_880) -> int:
    """Rows in core.articles' last (partial) row group: what each checkpoint after a load rewrites."""
    return size % row_group or row_group


def _phase(name: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `python -m bench.scale --phase name ...` and return the figures it wrote."""
    with tempfile.TemporaryDirectory(prefix="bench-phase-") as tmp:
        out = Path(tmp) / "figures.json"
        subprocess.run(
            [sys.executable, "-m", "bench.scale", "--phase", name, *args, "--out", str(out)],
            check=True, cwd=ROOT, env={**os.environ, **(env or {})},
        )  # fmt: skip
        return dict(json.loads(out.read_text(encoding="utf-8")))


def _prefect_env(home: Path) -> dict[str, str]:
    """Environment for a child process to report to the Prefect API this process uses."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise RuntimeError("the no-op phase needs a running Prefect API (see bench.__main__.prefect_server)")
    return {
        "PREFECT_API_URL": str(url),
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def scale_benchmark(
    sizes: list[int], repeat: int = 3, dedup: bool = True, history: str = "distinct"
) -> dict[str, Any]:
    """Build each warehouse, time loads and no-op runs on it, then the dedup scale benchmark.

    Needs a running Prefect API (the no-op runs are real flow runs).
    """
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        env = _prefect_env(Path(tmp) / "prefect-home")
        for size in sizes:
            name = label(size)
            folder = Path(tmp) / name
            folder.mkdir()
            published = folder / "tw.duckdb"
            built = _phase("build", "--path", str(published), "--size", str(size), "--history", history)
            figures[f"build_seconds_{name}"], figures[f"warehouse_mb_{name}"] = built["seconds"], built["mb"]
            figures[f"build_peak_rss_mb_{name}"] = built["peak_rss_mb"]
            print(
                f"  {size:>9,} articles: built in {built['seconds']:.0f} s, {built['mb']:,.0f} MB", flush=True
            )
            loaded = _phase("load", "--path", str(published), "--repeat", str(repeat), "--history", history)
            figures[f"load_rows_per_s_{name}"] = loaded["rows_per_s"]
            figures[f"load_seconds_{name}"] = loaded["seconds"]
            figures[f"load_commit_and_checkpoint_seconds_{name}"] = loaded["commit_and_checkpoint_seconds"]
            figures[f"load_peak_rss_mb_{name}"] = loaded["peak_rss_mb"]
            figures[f"load_write_rows_per_s_{name}"] = loaded["write_rows_per_s"]
            figures[f"load_story_placement_seconds_{name}"] = loaded["story_placement_seconds"]
            figures[f"load_one_batch_rows_per_s_{name}"] = loaded["one_batch_rows_per_s"]
            figures[f"load_one_batch_write_rows_per_s_{name}"] = loaded["one_batch_write_rows_per_s"]
            figures[f"articles_last_row_group_rows_{name}"] = last_row_group_rows(size)
            print(f"  {size:>9,} articles: load {LOAD_ROWS:,} in {loaded['seconds']:.2f} s "
                  f"({loaded['rows_per_s']:,.0f} rows/s; runs {', '.join(f'{t:.2f}' for t in loaded['runs'])}; "
                  f"COMMIT + CHECKPOINT {loaded['commit_and_checkpoint_seconds']:.2f} s), peak RSS "
                  f"{loaded['peak_rss_mb']:,.0f} MB", flush=True)  # fmt: skip
            print(f"  {size:>9,} articles: of that, story placement {loaded['story_placement_seconds']:.2f} s; the "
                  f"writes {loaded['write_seconds']:.2f} s = {loaded['write_rows_per_s']:,.0f} rows/s; as one batch of "
                  f"{LOAD_ROWS:,}: {loaded['one_batch_rows_per_s']:,.0f} rows/s, the writes "
                  f"{loaded['one_batch_write_rows_per_s']:,.0f} rows/s", flush=True)  # fmt: skip
            figures[f"load_stories_{name}"] = loaded["stories"]
            print(
                f"  {size:>9,} articles: stories of the {LOAD_ROWS:,} ({history} history): {loaded['stories']}"
            )
            noop = _phase("noop", "--path", str(published), "--repeat", str(repeat), env=env)
            for key in ("seconds", "wall_seconds", "network_seconds", "prefect_overhead_seconds", "republished",
                        "task_body_seconds", "peak_rss_mb", "first_run_seconds", "flow_body_seconds",
                        "after_body_seconds"):  # fmt: skip
                figures[f"noop_{key}_{name}".replace("noop_seconds", "noop_run_seconds")] = noop[key]
            print(f"  {size:>9,} articles: no-op run {noop['seconds']:.2f} s outside the network "
                  f"(wall {noop['wall_seconds']:.2f}, flow body {noop['flow_body_seconds']:.2f}, after it "
                  f"{noop['after_body_seconds']:.2f}, network {noop['network_seconds']:.3f}, Prefect "
                  f"{noop['prefect_overhead_seconds']:.2f}; runs {', '.join(f'{t:.2f}' for t in noop['runs'])}; "
                  f"first run in its process {noop['first_run_seconds']:.2f}), "
                  f"peak RSS {noop['peak_rss_mb']:,.0f} MB", flush=True)  # fmt: skip
            print(
                "      task bodies: "
                + ", ".join(f"{k} {v:.3f}" for k, v in noop["task_body_seconds"].items())
            )
            shutil.rmtree(folder)  # 1M articles take ~8 GB
    if dedup:
        deduplicated = _phase("dedup", "--sizes", ",".join(map(str, sizes)), "--repeat", str(repeat))
        deduplicated["dedup_peak_rss_mb"] = deduplicated.pop("peak_rss_mb")  # its own figure reads ru_maxrss
        figures.update(deduplicated)
    if len(sizes) > 1:
        lo, hi = label(sizes[0]), label(sizes[-1])
        for key in ("load_seconds", "noop_run_seconds", "load_peak_rss_mb", "noop_peak_rss_mb"):
            figures[f"{key}_growth_{lo}_to_{hi}"] = figures[f"{key}_{hi}"] / figures[f"{key}_{lo}"]
    return figures


def run_phase(args: argparse.Namespace) -> dict[str, Any]:
    """One phase in this (fresh) process; its figures include this process's peak RSS."""
    from warehouse import db

    if args.phase == "build":
        primary = db.primary_path(Path(args.path))
        out = build_warehouse(
            primary, args.size, templates(), "http://127.0.0.1:1/feed.xml", args.size, args.history
        )
        os.sync()  # untimed: the next phase's commits must not queue behind this one's gigabytes
    elif args.phase == "load":
        primary, tmpl = db.primary_path(Path(args.path)), templates()
        out = load_benchmark(primary, tmpl, args.repeat, history=args.history)
        # batched differently: the same rows as one batch (a backfill's or reparse's loader could do
        # this): each scan of the history is done once for all of them
        whole = load_benchmark(primary, tmpl, args.repeat, LOAD_ROWS, args.history)
        out.update({f"one_batch_{k}": v for k, v in whole.items() if k != "runs"})
    elif args.phase == "noop":
        from bench.__main__ import quiet_logs

        quiet_logs()
        out = noop_benchmark(Path(args.path), args.repeat)
    elif args.phase == "dedup":
        from bench import dedup as dedup_bench

        out = dedup_bench.scale([int(s) for s in args.sizes.split(",")], 1000, args.repeat)
    else:
        raise SystemExit(f"unknown phase {args.phase!r}")
    return {**out, "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> None:
    """Run the scale benchmark with a temporary Prefect server (or one phase) and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dedup", action="store_true")
    parser.add_argument(
        "--history", choices=(*scale_history.PROFILES, "both"), default="distinct",
        help="synthetic sketch history: distinct texts with 5%% near-copies, h16-load's copies of ~280 texts,"
        " or both, one after the other, printed side by side",
    )  # fmt: skip
    parser.add_argument("--phase", choices=("build", "load", "noop", "dedup"), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        args.out.write_text(json.dumps(run_phase(args), default=str), encoding="utf-8")
        return
    from bench.__main__ import prefect_server, quiet_logs

    quiet_logs()
    sizes = [int(s) for s in args.sizes.split(",")]
    profiles = scale_history.PROFILES[::-1] if args.history == "both" else (args.history,)
    runs: dict[str, dict[str, Any]] = {}
    with prefect_server():
        for history in profiles:
            print(f"history: {history}", flush=True)
            runs[history] = scale_benchmark(
                sizes, args.repeat, not args.no_dedup and history == profiles[-1], history
            )
    if len(runs) == 1:
        for key, value in runs[profiles[0]].items():
            print(f"{key}: {value}")
        return
    print(f"{'figure':<48}" + "".join(f"{h:>22}" for h in profiles))
    for key in runs[profiles[-1]]:
        cells = [runs[h].get(key, "") for h in profiles]
        if any(isinstance(c, dict) for c in cells):  # stories and task bodies: one line per history
            print("\n".join(f"{key} ({h}): {c}" for h, c in zip(profiles, cells, strict=True)))
            continue
        print(f"{key:<48}" + "".join(f"{c:>22,.2f}" if isinstance(c, float) else f"{c!s:>22}" for c in cells))


if __name__ == "__main__":
    main()
