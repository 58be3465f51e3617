"""Event stories in the warehouse: each new article placed in the event story of the reports of its
announcement, measure or briefing (parsers.stories.event_index), with why it joined, in SQL.

Tables of migration 015: `core.event_keys` (blocking keys, hashed, with the publication day),
`core.event_profiles` (each article's matcher profile as JSON and its event story) and
`core.event_placements` (kind, matched member, probability, and `Placement.why()` as JSON); views
`event_members` and `event_stories`.

`place_pending` runs after the loads of a run (flows/tasks.py `place_events`), in its own session,
BATCH articles a transaction, on every article without an event story yet, in published order: the
event level never lengthens a load under the writer lock (the copy level is placed inside it), and
articles a failed step left unplaced are placed by the next run. For each chunk, the articles' keys
are joined with the history's on the key within WINDOW_DAYS of publication, a key with more than CAP
postings there is skipped and the MAX_CANDIDATES articles sharing most keys are kept (the in-memory
index's rule, in SQL, so the cost follows the postings read, not the history's size); those
candidates' profiles and the latest members of their stories are loaded into an EventIndex, and the
chunk placed in published order (one may join another of the same chunk). Document frequencies for
the idf weights are those of the loaded profiles (the chunk and its candidates), not of the whole
history.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import duckdb
import pyarrow as pa

from parsers.stories import event_index, events
from warehouse import schemas
from warehouse.load import transaction

BATCH = 500
# The pending ids first, from the narrow columns, then the texts of those alone: one statement
# with the texts read every article's clean_text from disk on each run's fresh connection, pending
# or not (3.0 s of a no-op run at 1M articles; the ids alone take 0.2 s).
_PENDING = f"""
SELECT a.article_id FROM core.articles a ANTI JOIN core.event_profiles e USING (article_id)
ORDER BY a.published_at NULLS LAST, a.loaded_at, a.article_id
LIMIT {BATCH}
"""
# Every article has one profile (they are only written for pending articles, under the writer
# lock, and articles are never deleted), so equal counts mean nothing is pending: table counts
# are metadata, the anti-join reads every id. Were a profile ever doubled, equal counts could hide
# a pending article until the next load changes the count (then the anti-join finds both).
_ALL_PLACED = "SELECT (SELECT count(*) FROM core.articles) = (SELECT count(*) FROM core.event_profiles)"
_TEXTS = """
SELECT a.article_id, coalesce(a.title, ''), a.clean_text, a.published_at::DATE
FROM core.articles a SEMI JOIN pending p USING (article_id)
ORDER BY a.published_at NULLS LAST, a.loaded_at, a.article_id
"""

W = event_index.WINDOW_DAYS
_NEAR = f"(n.day IS NULL OR h.day IS NULL OR h.day BETWEEN n.day - {W} AND n.day + {W})"
# One statement (each costs a round trip on DuckLake): the candidates of each new article, then the
# candidates' profiles and the latest members of their stories (the story score is taken over them).
_HISTORY = f"""
WITH usable AS (
    SELECT n.article_id AS a, n.key, n.day
    FROM new_keys n JOIN core.event_keys h ON h.key = n.key AND {_NEAR}
    GROUP BY ALL HAVING count(*) <= {event_index.CAP}
), hits AS (
    SELECT u.a, h.article_id AS b
    FROM usable u JOIN core.event_keys h ON h.key = u.key AND {_NEAR.replace("n.day", "u.day")}
), best AS (
    SELECT a, b, count(*) AS shared FROM hits GROUP BY a, b
    QUALIFY row_number() OVER (PARTITION BY a ORDER BY shared DESC, b) <= {event_index.MAX_CANDIDATES}
), wanted AS (
    SELECT DISTINCT b AS article_id FROM best
), stories AS (
    SELECT DISTINCT e.event_id FROM core.event_profiles e SEMI JOIN wanted USING (article_id)
), latest AS (
    SELECT p.article_id, p.event_id, p.profile
    FROM core.event_profiles p SEMI JOIN stories USING (event_id)
    QUALIFY row_number() OVER (PARTITION BY p.event_id ORDER BY p.day DESC NULLS LAST, p.article_id DESC)
        <= {event_index.STORY_MEMBERS}
)
SELECT * FROM latest
UNION
SELECT p.article_id, p.event_id, p.profile FROM core.event_profiles p SEMI JOIN wanted USING (article_id)
"""


def key_hash(key: str) -> int:
    """A blocking key as a signed 64-bit integer (what core.event_keys stores)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), signed=True)


def _day(p: events.Profile) -> int | None:
    return p.published.toordinal() if p.published else None


def _history(con: duckdb.DuckDBPyConnection, new: list[events.Profile]) -> list[tuple[str, str, str]]:
    rows = [(key_hash(k), _day(p), p.article_id) for p in new for k in event_index.blocking_keys(p)]
    con.register("new_keys", schemas.table("core.event_keys", rows))
    try:
        return [(r[0], r[1], r[2]) for r in con.execute(_HISTORY).fetchall()]
    finally:
        con.unregister("new_keys")


def _pending(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, date | None]]:
    if con.execute(_ALL_PLACED).fetchone() == (True,):
        return []
    ids = [r[0] for r in con.execute(_PENDING).fetchall()]
    if not ids:
        return []
    con.register("pending", pa.table({"article_id": pa.array(ids, pa.string())}))
    try:
        return [(r[0], r[1], r[2], r[3]) for r in con.execute(_TEXTS).fetchall()]
    finally:
        con.unregister("pending")


def place_pending(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> int:
    """Place every article that has no event story yet, BATCH at a time, each chunk in a transaction."""
    placed = 0
    while rows := _pending(con):
        with transaction(con):
            done = len(place(con, rows, now or datetime.now()))
        if not done:  # nothing stored: stop rather than read the same rows again
            break
        placed += done
    return placed


def place(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, date | None]], now: datetime
) -> list[event_index.Placement]:
    """Place articles (id, title, text, published) in event stories; store keys, profiles, placements
    (inside the caller's transaction)."""
    new = events.profiles(rows)
    if not new:
        return []
    index = event_index.EventIndex()
    known = [(events.Profile.from_json(profile), story) for _, story, profile in _history(con, new)]
    for p, story in sorted(known, key=lambda x: (x[0].published is None, x[0].published or events.date.min)):
        index.add(p, story)
    placed = event_index.place_all(new, index)
    by_id = {p.article_id: p for p in new}
    _insert(con, "core.event_keys", [(key_hash(k), _day(p), p.article_id) for p in new
                                     for k in event_index.blocking_keys(p)])  # fmt: skip
    _insert(
        con,
        "core.event_profiles",
        [
            (x.article_id, _day(by_id[x.article_id]), x.story_id, by_id[x.article_id].to_json())
            for x in placed
        ],
    )
    _insert(
        con,
        "core.event_placements",
        [(x.article_id, x.story_id, x.kind, x.matched, x.probability, json.dumps(x.why(), ensure_ascii=False), now)
         for x in placed],
    )  # fmt: skip
    return placed


def _insert(con: duckdb.DuckDBPyConnection, name: str, rows: list[tuple[object, ...]]) -> None:
    if not rows:
        return
    con.register("event_rows", schemas.table(name, rows))
    try:
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM event_rows")
    finally:
        con.unregister("event_rows")
