"""What the watch remembers between polls: validators, first listings, robots.txt (an in-memory warehouse)."""

from __future__ import annotations

from datetime import datetime, timedelta

from parsers.fetch.types import Validators
from warehouse import watch as store

T0 = datetime(2026, 12, 2, 10, 0)
URL = "http://127.0.0.1/notices/"


def _poll(outcome: str, minutes: int, validators: Validators | None = None) -> store.Poll:
    return store.Poll("gacc", URL, T0 + timedelta(minutes=minutes), outcome, outcome, 200, validators)


def test_the_next_poll_sends_the_validators_of_the_last_poll_that_kept_some(con):
    assert store.poll_validators(con, "gacc", URL) is None  # never polled: an unconditional request
    store.record_poll(con, _poll("changed", 0, Validators('"a"', "Wed, 02 Dec 2026 10:00:00 GMT", "sha-a")))
    store.record_poll(con, _poll("unchanged", 2))
    assert store.poll_validators(con, "gacc", URL) == Validators(
        '"a"', "Wed, 02 Dec 2026 10:00:00 GMT", "sha-a"
    )
    store.record_poll(con, _poll("failed", 4))  # e.g. the ingest could not be started: ask again next time
    assert store.poll_validators(con, "gacc", URL).sha256 == "sha-a"
    store.record_poll(con, _poll("new-items", 6, Validators('"b"', None, "sha-b")))
    assert store.poll_validators(con, "gacc", URL) == Validators('"b"', None, "sha-b")
    assert store.last_poll_at(con, "gacc") == T0 + timedelta(minutes=6)


def test_a_url_keeps_the_time_it_was_first_listed(con):
    store.record_listings(con, "gacc", ["http://x/1", "http://x/1"], T0, "watch", T0 - timedelta(minutes=2))
    store.record_listings(con, "gacc", ["http://x/1", "http://x/2"], T0 + timedelta(minutes=1), "ingest")
    rows = con.execute("SELECT url, listed_at, via FROM core.listings ORDER BY url").fetchall()
    assert rows == [("http://x/1", T0, "watch"), ("http://x/2", T0 + timedelta(minutes=1), "ingest")]


def test_robots_txt_is_reused_for_a_day_only(con):
    store.save_robots(con, {"http://127.0.0.1:8000": "User-agent: *\nAllow: /\n", "http://b": None}, T0)
    day = timedelta(hours=24)
    assert store.robots(con, day, T0 + timedelta(hours=23)) == {
        "http://127.0.0.1:8000": "User-agent: *\nAllow: /\n", "http://b": None,
    }  # fmt: skip
    assert store.robots(con, day, T0 + timedelta(hours=25)) == {}
