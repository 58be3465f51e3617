"""Cost of placing 1,000 new articles at the event level against a 100k and a 1M history (DuckDB).

The history is synthetic, drawn from the real event set's profiles (tests/data/events, 263 pages):
article i is page i mod 263 published on day i // RATE (RATE articles a day, so 100k articles span
50 days and 1M 500 days), its dates moved by a whole number of weeks, its numbers, percentages and
document numbers redrawn from the real pages' values; every article carries its page's terms, term
pairs and officials. Tables: `event_keys(key, day, article_key)` (one row per blocking key, keys
hashed to BIGINT) and `event_key_days(key, day, n)` (postings per key and day: a key's hits in the window are
counted there first, so a common key is dropped before its postings are read) and
`event_profiles(article_key, day, story_id, base, shift)`, with the 263 real
profiles as JSON in `event_bases` (a candidate's profile is its base's JSON, parsed, dates moved).

A batch of 1,000 new articles (real pages, on the last days) is then placed inside a transaction
rolled back after each run: key rows inserted, the key join within WINDOW_DAYS with the CAP on a
key's hits, the MAX_CANDIDATES best candidates per article, their profiles fetched, decisions
(events.decide), story assignment, profile rows inserted. Cold run after opening, then `repeat`
runs interleaved across sizes, median reported, peak RSS of the process.
"""

from __future__ import annotations

import hashlib
import resource
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from bench import events_eval
from parsers.stories import anchors, event_index, events

RATE = 2_000
CHUNK = 200_000
START = date(2024, 1, 1).toordinal()
W = event_index.WINDOW_DAYS
VARIABLE = ("dates:", "numbers:", "percents:", "docs:")
DDL = """
CREATE TABLE event_keys (key BIGINT NOT NULL, day INTEGER NOT NULL, article_key BIGINT NOT NULL);
CREATE TABLE event_profiles (article_key BIGINT NOT NULL, day INTEGER NOT NULL, story_id VARCHAR NOT NULL,
                             base INTEGER NOT NULL, shift INTEGER NOT NULL);
CREATE TABLE event_bases (base INTEGER NOT NULL, profile VARCHAR NOT NULL);
CREATE TABLE event_key_days (key BIGINT NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL);
"""
CANDIDATES_SQL = f"""
WITH counts AS (
    SELECT key, day, n FROM event_key_days SEMI JOIN new_keys USING (key)
    UNION ALL SELECT key, day, 1 FROM new_keys
), usable AS (
    SELECT n.article_key AS a, n.key, n.day
    FROM new_keys n JOIN counts c ON c.key = n.key AND c.day BETWEEN n.day - {W} AND n.day + {W}
    GROUP BY ALL HAVING sum(c.n) <= {event_index.CAP} + 1
), hits AS (
    SELECT u.a, h.article_key AS b
    FROM usable u JOIN (SELECT * FROM event_keys UNION ALL SELECT * FROM new_keys) h
      ON h.key = u.key AND h.day BETWEEN u.day - {W} AND u.day + {W}
    WHERE h.article_key <> u.a
)
SELECT a, b, count(*) AS shared FROM hits GROUP BY a, b
QUALIFY row_number() OVER (PARTITION BY a ORDER BY shared DESC, b) <= {event_index.MAX_CANDIDATES}
"""
FETCH_SQL = "SELECT p.article_key, p.story_id, p.base, p.shift FROM event_profiles p SEMI JOIN wanted w USING (article_key)"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@cache
def key_hash(key: str) -> int:
    """A blocking key as a signed 64-bit integer."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), signed=True)


def shifted(p: events.Profile, days: int, article_id: str) -> events.Profile:
    """The profile with every date moved by `days` and published on its new day."""
    moved = frozenset((date.fromisoformat(d) + timedelta(days=days)).isoformat() for d in p.anchors.dates)
    published = (p.published or date(2024, 1, 1)) + timedelta(days=days)
    return replace(p, article_id=article_id, published=published, anchors=replace(p.anchors, dates=moved))


def _base_keys(bases: list[events.Profile]) -> tuple[list[np.ndarray], np.ndarray, dict[str, list[int]]]:
    fixed, variable_pool = [], {k: [] for k in VARIABLE}
    for p in bases:
        keys = event_index.blocking_keys(p)
        fixed.append(np.array([key_hash(k) for k in keys if not k.startswith(VARIABLE)], dtype=np.int64))
        for k in keys:
            for prefix in VARIABLE[1:]:
                if k.startswith(prefix):
                    variable_pool[prefix].append(key_hash(k))
    n_variable = np.array(
        [sum(k.startswith(VARIABLE[1:]) for k in event_index.blocking_keys(p)) for p in bases]
    )
    return fixed, n_variable, variable_pool


def build_history(con: duckdb.DuckDBPyConnection, size: int, bases: list[events.Profile], seed: int) -> None:
    """Fill the tables with `size` synthetic articles drawn from the real profiles (see module doc)."""
    rng = np.random.default_rng(seed)
    con.execute(DDL)
    con.executemany("INSERT INTO event_bases VALUES (?, ?)", [(i, p.to_json()) for i, p in enumerate(bases)])
    fixed, n_variable, pool = _base_keys(bases)
    numbers = np.array([h for k in VARIABLE[1:] for h in pool[k]] or [0], dtype=np.int64)
    dates = [sorted(date.fromisoformat(d).toordinal() for d in p.anchors.dates) for p in bases]
    for lo in range(0, size, CHUNK):
        ids = np.arange(lo, min(size, lo + CHUNK))
        base = ids % len(bases)
        day = START + ids // RATE
        shift = 7 * rng.integers(-30, 30, len(ids))
        keys = rng.integers(-(2**63), 2**63 - 1, len(ids), dtype=np.int64)
        parts_key, parts_art, parts_day = [], [], []
        for b in range(len(bases)):
            rows = np.flatnonzero(base == b)
            if not len(rows):
                continue
            width = len(fixed[b])
            parts_key.append(np.tile(fixed[b], len(rows)))
            parts_art.append(np.repeat(keys[rows], width))
            parts_day.append(np.repeat(day[rows], width))
            if n_variable[b]:
                parts_key.append(rng.choice(numbers, len(rows) * int(n_variable[b])))
                parts_art.append(np.repeat(keys[rows], int(n_variable[b])))
                parts_day.append(np.repeat(day[rows], int(n_variable[b])))
            for d in dates[b]:
                parts_key.append(
                    np.array(
                        [
                            key_hash(f"dates:{date.fromordinal(d + s).isoformat()}")
                            for s in shift[rows].tolist()
                        ],
                        dtype=np.int64,
                    )
                )
                parts_art.append(keys[rows])
                parts_day.append(day[rows])
        key_rows = pa.table({"key": np.concatenate(parts_key), "day": np.concatenate(parts_day).astype(np.int32),  # noqa: F841
                             "article_key": np.concatenate(parts_art)})  # fmt: skip
        profile_rows = pa.table({"article_key": keys, "day": day.astype(np.int32),  # noqa: F841
                                 "story_id": [f"ev-{k & 0xFFFFFFFFFFFFFFFF:016x}" for k in keys.tolist()],
                                 "base": base.astype(np.int32), "shift": shift.astype(np.int32)})  # fmt: skip
        con.execute("INSERT INTO event_keys SELECT * FROM key_rows")
        con.execute("INSERT INTO event_profiles SELECT * FROM profile_rows")
    con.execute("INSERT INTO event_key_days SELECT key, day, count(*) FROM event_keys GROUP BY ALL")
    con.execute("CHECKPOINT")


def add_batch(con: duckdb.DuckDBPyConnection, batch: list[events.Profile], bases: list[events.Profile],
              stats: events.Stats) -> tuple[dict[str, float], int, int]:  # fmt: skip
    """Place a batch inside a rolled-back transaction: (seconds per step, candidate pairs, joined)."""
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name], clock = now - clock, now

    con.execute("BEGIN")
    keys = {p.article_id: key_hash(p.article_id) for p in batch}
    rows = [(key_hash(k), p.published.toordinal(), keys[p.article_id]) for p in batch if p.published
            for k in event_index.blocking_keys(p)]  # fmt: skip
    new_keys = pa.table(  # noqa: F841 - read by DuckDB by name
        {"key": [r[0] for r in rows], "day": [r[1] for r in rows], "article_key": [r[2] for r in rows]}
    )
    cand = con.execute(CANDIDATES_SQL).fetchnumpy()
    con.execute("INSERT INTO event_keys SELECT * FROM new_keys")
    con.execute("INSERT INTO event_key_days SELECT key, day, count(*) FROM new_keys GROUP BY ALL")
    lap("key insert + candidate join")
    wanted = pa.table({"article_key": np.unique(cand["b"])})  # noqa: F841
    fetched = con.execute(FETCH_SQL).fetchall()
    base_json = dict(con.execute("SELECT base, profile FROM event_bases").fetchall())
    parsed = {b: events.Profile.from_json(j) for b, j in base_json.items()}
    lap("profile fetch")
    by_key = {p_key: p for p in batch for p_key in [keys[p.article_id]]}
    old = {k: (s, shifted(parsed[b], sh, str(k))) for k, s, b, sh in fetched}
    joined = 0
    for a in np.unique(cand["a"]).tolist():
        mine = cand["b"][cand["a"] == a].tolist()
        p = by_key[a]
        scored = [(events.decide(p, old[b][1] if b in old else by_key[b], stats), b) for b in mine]
        best = (
            max((d.probability, b) for d, b in scored if d.same_event)
            if any(d.same_event for d, _ in scored)
            else None
        )
        joined += best is not None
    lap("decisions + assignment")
    profile_rows = pa.table({"article_key": list(keys.values()), "day": [p.published.toordinal() for p in batch],  # noqa: F841
                             "story_id": [event_index.story_id_for(p.article_id) for p in batch],
                             "base": [0] * len(batch), "shift": [0] * len(batch)})  # fmt: skip
    con.execute("INSERT INTO event_profiles SELECT * FROM profile_rows")
    lap("profile insert")
    con.execute("ROLLBACK")
    return steps, len(cand["a"]), joined


def scale(sizes: list[int], repeat: int, batch_size: int = 1000) -> dict[str, Any]:
    """Time placing a batch against each history size; print and return the figures."""
    pages = events_eval.load()
    bases = [events.profile(p.page_id, "", p.text, p.published) for p in pages]
    stats = events.Stats.of(bases)
    figures: dict[str, Any] = {}
    medians: dict[int, float] = {}
    print(f"\nevent scale: {len(bases)} real profiles, {RATE} articles a day, window {event_index.WINDOW_DAYS} days, "
          f"cap {event_index.CAP}, {event_index.MAX_CANDIDATES} candidates per article")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        paths = {size: Path(tmp) / f"events-{size}.duckdb" for size in sizes}
        for size, path in paths.items():
            start = time.perf_counter()
            with duckdb.connect(str(path)) as con:
                con.execute("SET enable_progress_bar = false")
                build_history(con, size, bases, seed=size)
            print(
                f"history {size:>9,}: built in {time.perf_counter() - start:.1f} s, {path.stat().st_size / 1e6:.0f} MB"
            )
        batches = {}
        for size in sizes:
            last = START + (size - 1) // RATE
            batches[size] = [
                shifted(
                    bases[i % len(bases)],
                    last - (bases[i % len(bases)].published or date(2024, 1, 1)).toordinal() - i % 3,
                    f"new{i:05d}{anchors.lead(bases[i % len(bases)].article_id, 8)}",
                )
                for i in range(batch_size)
            ]
        cons = {size: duckdb.connect(str(path)) for size, path in paths.items()}
        for con in cons.values():
            con.execute("SET enable_progress_bar = false")
        cold = {size: add_batch(con, batches[size], bases, stats) for size, con in cons.items()}
        runs: dict[int, list[tuple[dict[str, float], int, int]]] = {s: [] for s in sizes}
        for _ in range(repeat):
            for size, con in cons.items():
                runs[size].append(add_batch(con, batches[size], bases, stats))
        for size in sizes:
            totals = [sum(r[0].values()) for r in runs[size]]
            medians[size] = statistics.median(totals)
            steps = {k: statistics.median(r[0][k] for r in runs[size]) for k in runs[size][0][0]}
            print(f"history {size:>9,}: place {batch_size} articles: median {medians[size]:.3f} s (runs "
                  f"{', '.join(f'{t:.3f}' for t in totals)}; first after opening {sum(cold[size][0].values()):.3f} s); "
                  f"{cold[size][1]} candidate pairs, {cold[size][2]} joined a story")  # fmt: skip
            print("    median " + "; ".join(f"{k} {v * 1000:.0f} ms" for k, v in steps.items()))
            figures[f"events_{batch_size}_seconds_at_{size}"] = medians[size]
        for con in cons.values():
            con.close()
    if len(sizes) > 1:
        growth = medians[sizes[-1]] / medians[sizes[0]]
        figures["events_1k_growth_100k_to_1m"] = growth
        print(f"growth {sizes[-1] // sizes[0]}x history -> {growth:.2f}x time (target < 3x)")
    figures["events_peak_rss_mb"] = peak_rss_mb()
    print(f"peak RSS {figures['events_peak_rss_mb']:.0f} MB")
    return figures
