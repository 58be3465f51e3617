"""What analysts do on a warehouse built from the seeds: search, SQL, export."""

import json

import duckdb
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_search_ranks_the_gacc_release_first(seeded_db):
    lines = cli("search", "customs clearance facilitation", "--json", "--db", str(seeded_db)).splitlines()
    hits = [json.loads(line) for line in lines]
    assert hits[0]["title"].startswith("General Administration of Customs of China")
    assert hits == sorted(hits, key=lambda h: -h["score"])


def test_search_filters_by_topic_and_date(seeded_db):
    hits = [
        json.loads(x)
        for x in cli(
            "search", "logistics", "--topic", "finance", "--json", "--db", str(seeded_db)
        ).splitlines()
    ]
    assert [h["title"] for h in hits] == [
        "Hot spot 2: The industrial chain and supply chain are smooth and stable"
    ]
    dated = cli("search", "port", "--since", "2020-01-01", "--json", "--db", str(seeded_db)).splitlines()
    assert [json.loads(x)["published_at"] for x in dated] == ["2020-03-25T10:14:00"]


def test_sql_prints_csv_and_json(seeded_db):
    csv_out = cli(
        "sql",
        "SELECT topic, count(*) AS n FROM article_topics GROUP BY 1 ORDER BY 1",
        "--csv",
        "--db",
        str(seeded_db),
    )
    assert csv_out.splitlines()[0] == "topic,n"
    rows = [
        json.loads(x)
        for x in cli(
            "sql", "SELECT count(*) AS n FROM articles", "--json", "--db", str(seeded_db)
        ).splitlines()
    ]
    assert rows == [{"n": 5}]


def test_sql_is_read_only(seeded_db):
    result = runner.invoke(app, ["sql", "DELETE FROM core.articles", "--db", str(seeded_db)])
    assert result.exit_code == 2 and "read-only" in result.output


def test_export_round_trips_row_counts(seeded_db, tmp_path):
    cli("export", str(tmp_path / "out"), "--db", str(seeded_db))
    with duckdb.connect(str(seeded_db), read_only=True) as con:
        for view in ("articles", "article_topics", "failures", "ingest_runs"):
            expected = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            pattern = tmp_path / "out" / view
            files = f"{pattern}/**/*.parquet" if pattern.is_dir() else f"{pattern}.parquet"
            assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{files}')").fetchone()[0] == expected, view
    months = sorted(p.name for p in (tmp_path / "out" / "articles").iterdir())
    assert "month=2020-03" in months


def test_an_open_analyst_session_does_not_block_a_run(prefect_server, tmp_path):
    import shutil

    from conftest import SEEDS
    from flows.ingest import ingest

    shutil.copytree(SEEDS, tmp_path / "press")
    registry = tmp_path / "sources.toml"
    registry.write_text('[[source]]\nid = "s"\nname = "s"\nkind = "files"\nurl = "press"\n', encoding="utf-8")
    db = tmp_path / "tw.duckdb"
    ingest(sources=str(registry), db_path=str(db))
    with duckdb.connect(str(db), read_only=True) as analyst:  # held open for the whole next run
        (tmp_path / "press" / "new.txt").write_text(
            "Dalian customs eases clearance\n\nCustoms eased clearance of goods at Dalian port today.\n",
            encoding="utf-8",
        )
        summary = ingest(sources=str(registry), db_path=str(db))  # writes the primary, republishes
        assert summary.new == 1
        assert analyst.execute("SELECT count(*) FROM articles").fetchone() == (5,)  # its snapshot
    with duckdb.connect(str(db), read_only=True) as fresh:
        assert fresh.execute("SELECT count(*) FROM articles").fetchone() == (6,)


def test_export_refuses_unknown_formats(seeded_db, tmp_path):
    result = runner.invoke(app, ["export", str(tmp_path), "--format", "csv", "--db", str(seeded_db)])
    assert result.exit_code == 2 and "unsupported format" in result.output
