"""Analysts' topic overrides: `tradewire topics set`, applied by the views, kept by reparse, scored by eval-topics."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def warehouse(seeded_db, tmp_path) -> Path:
    """A private copy of the seeded warehouse (published file, primary and raw archive)."""
    for item in seeded_db.parent.iterdir():
        target = tmp_path / item.name
        (shutil.copytree if item.is_dir() else shutil.copyfile)(item, target)
    return tmp_path / seeded_db.name


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def pick(db: Path) -> tuple[str, str, str]:
    """(a customs article's id, another article's id with no finance topic, that article's url)."""
    customs = rows(db, "SELECT article_id FROM article_topics WHERE topic = 'customs' ORDER BY 1 LIMIT 1")[0][
        0
    ]
    other, url = rows(
        db,
        "SELECT article_id, url FROM articles WHERE article_id NOT IN "
        "(SELECT article_id FROM article_topics WHERE topic = 'finance') AND article_id <> "
        f"'{customs}' ORDER BY 1 LIMIT 1",
    )[0]
    return customs, other, url


def topics_of(db: Path, article_id: str) -> dict[str, str]:
    return dict(rows(db, f"SELECT topic, origin FROM article_topics WHERE article_id = '{article_id}'"))


def test_a_rejected_topic_leaves_the_views_and_a_given_one_joins_them(warehouse):
    customs, other, url = pick(warehouse)
    daily_before = rows(warehouse, "SELECT topic, sum(articles) FROM topic_daily GROUP BY 1 ORDER BY 1")
    cli(
        "topics",
        "set",
        customs,
        "customs",
        "no",
        "--note",
        "a tariff story, not clearance",
        "--db",
        str(warehouse),
    )
    cli("topics", "set", url, "finance", "yes", "--by", "analyst-1", "--db", str(warehouse))

    assert "customs" not in topics_of(warehouse, customs)
    assert topics_of(warehouse, other)["finance"] == "analyst"
    evidence, score = rows(
        warehouse,
        f"SELECT evidence, score FROM article_topics WHERE article_id = '{other}' AND topic = 'finance'",
    )[0]
    assert evidence == ["analyst"] and score is None
    daily = dict(rows(warehouse, "SELECT topic, sum(articles) FROM topic_daily GROUP BY 1"))
    before = dict(daily_before)
    assert daily["customs"] == before["customs"] - 1
    assert daily["finance"] == before.get("finance", 0) + 1

    listed = cli("topics", "list", "--db", str(warehouse))
    assert "analyst-1" in listed and "a tariff story" in listed


def test_a_later_verdict_replaces_the_earlier_one(warehouse):
    customs, _, _ = pick(warehouse)
    cli("topics", "set", customs, "customs", "no", "--db", str(warehouse))
    cli("topics", "set", customs, "customs", "yes", "--db", str(warehouse))
    assert topics_of(warehouse, customs)["customs"] == "confirmed"
    assert rows(warehouse, "SELECT count(*) FROM topic_overrides") == [(1,)]


def test_reparse_keeps_the_overrides(warehouse, prefect_server):
    from flows.reparse import reparse

    customs, other, url = pick(warehouse)
    cli("topics", "set", customs, "customs", "no", "--db", str(warehouse))
    cli("topics", "set", url, "finance", "yes", "--db", str(warehouse))
    reparse(db_path=str(warehouse))
    assert "customs" not in topics_of(warehouse, customs)
    assert topics_of(warehouse, other).get("finance") == "analyst"


def test_eval_topics_scores_the_verdicts_as_labels(warehouse):
    customs, _, url = pick(warehouse)
    cli("topics", "set", customs, "customs", "no", "--db", str(warehouse))
    cli("topics", "set", url, "finance", "yes", "--db", str(warehouse))
    out = cli("eval-topics", "--overrides", "--misses", "--db", str(warehouse))
    table = {
        line.split()[0]: line.split()[1:]
        for line in out.splitlines()
        if line.split()[:1] in (["customs"], ["finance"])
    }
    assert table["customs"][0] == "0.000"  # the rules still give it: one false positive, no true one
    assert table["finance"][1:4:2] == ["0.000", "1"]  # recall 0 over the one labelled page
    assert "over 2 passages" in out and "-finance" in out and "+customs" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("0123456789abcdef", "customs", "no"), "no article"),
        (("{customs}", "tariffs", "no"), "unknown topic"),
        (("{customs}", "customs", "maybe"), "yes or no"),
    ],
)
def test_bad_input_is_a_clear_error(warehouse, args, message):
    customs, _, _ = pick(warehouse)
    out = cli("topics", "set", *(a.format(customs=customs) for a in args), "--db", str(warehouse), code=2)
    assert message in out
    assert rows(warehouse, "SELECT count(*) FROM topic_overrides") == [(0,)]
