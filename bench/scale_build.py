"""bench.scale's warehouse: the real schema filled by DuckDB SQL with `size` variants of the templates."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from bench import scale_history
from bench.scale_templates import Template, template_tables
from parsers.stories import neardup

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
       'st-' || left(md5('story-' || (src // 3) || '-' || $seed), 16) AS story_id, url AS canonical_url, official,
       md5_number_lower(article_id) AS article_key
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
       md5(url) || md5(article_id) AS sha256, seen_at AS fetched_at, md5_number_lower(url) AS url_key
FROM core.sightings
UNION ALL
SELECT url, source_id, 'index', 200, '"' || left(md5(url), 8) || '"', NULL, md5(url) || md5(source_id),
       TIMESTAMP '2023-12-31', md5_number_lower(url)
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


def core_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables of the core schema (older schemas lack some)."""
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
                lambda: "paragraph_topics" in core_tables(con) and con.execute(_PARAGRAPH_TOPICS),
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
