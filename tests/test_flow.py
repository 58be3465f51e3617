"""The ingest flow through a real (temporary) Prefect server, on the seeds plus bad input."""

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import SEEDS

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    press = tmp_path / "press"
    shutil.copytree(SEEDS, press)
    (press / "binary.bin").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    (press / "empty.txt").write_bytes(b"")
    (press / "huge.txt").write_bytes(b"customs clearance " * 1_200_000)  # ~21 MB
    (press / "gbk.txt").write_bytes("海关总署：进一步提升通关便利化水平。".encode("gbk"))
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nid = "seed-press"\nname = "Seeds"\nkind = "files"\nurl = "press"\nencoding = "utf-8"\n',
        encoding="utf-8",
    )
    return path


def run(registry: Path, db_path: Path):
    from flows.ingest import ingest

    return ingest(sources=str(registry), db_path=str(db_path))


def test_ingest_loads_seeds_records_bad_input_and_reruns_as_noop(registry, tmp_path):
    db_path = tmp_path / "tw.duckdb"
    summary = run(registry, db_path)

    assert (summary.new, summary.failed, summary.status) == (5, 4, "partial")
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        untagged = con.execute("SELECT count(*) FROM articles ANTI JOIN article_topics USING (article_id)")
        assert untagged.fetchone()[0] == 0
        topics = dict(
            con.execute(
                "SELECT a.clean_text LIKE '%Jin Hai%' OR NULL, list(t.topic) FROM articles a JOIN article_topics t"
                " USING (article_id) GROUP BY ALL"
            ).fetchall()
        )
        assert "customs" in topics[True]
        failures = {
            Path(url).name: (stage, reason)
            for url, stage, reason in con.execute("SELECT url, stage, reason FROM failures").fetchall()
        }
        assert set(failures) == {"binary.bin", "empty.txt", "huge.txt", "gbk.txt"}
        assert "over this source's limit" in failures["huge.txt"][1]
        assert "binary" in failures["binary.bin"][1]
        assert failures["empty.txt"][1] == "empty document"
        assert "not valid utf-8" in failures["gbk.txt"][1] and "gbk" in failures["gbk.txt"][1]
        assert con.execute("SELECT status, new, failed FROM ingest_runs").fetchone() == ("partial", 5, 4)

    again = run(registry, db_path)
    assert (again.new, again.duplicate) == (0, 5)
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM ingest_runs").fetchone()[0] == 2


def test_a_broken_source_does_not_stop_the_others(registry, tmp_path):
    text = registry.read_text(encoding="utf-8")
    registry.write_text(
        '[[source]]\nid = "gone"\nname = "Missing folder"\nkind = "files"\nurl = "nowhere"\n\n' + text,
        encoding="utf-8",
    )
    summary = run(registry, tmp_path / "tw.duckdb")
    by_id = {s.source_id: s for s in summary.sources}
    assert by_id["gone"].failed == 1 and by_id["gone"].new == 0
    assert by_id["seed-press"].new == 5


def test_readme_queries_answer_on_the_seeded_warehouse(registry, tmp_path):
    from test_cli import readme_queries

    db_path = tmp_path / "tw.duckdb"
    run(registry, db_path)
    with duckdb.connect(str(db_path), read_only=True) as con:
        results = [con.execute(q).fetchall() for q in readme_queries()]
    assert all(results)
    customs_titles = [row[0] for row in results[1]]
    assert any(t.startswith("General Administration of Customs of China") for t in customs_titles)
    assert {row[0] for row in results[2]} >= {"customs"}


def test_partial_run_state_and_artifacts_are_visible_to_operators(registry, tmp_path):
    import httpx
    from prefect.settings import PREFECT_API_URL

    from flows.ingest import ingest

    state = ingest(sources=str(registry), db_path=str(tmp_path / "tw.duckdb"), return_state=True)
    assert state.name == "Partial" and state.is_completed()
    assert "4 failure(s) in 1 source(s)" in (state.message or "")
    flow_run_id = state.result().run_id

    # Read them back the way the UI does, through the REST API.
    body = {
        "artifacts": {"flow_run_id": {"any_": [flow_run_id]}},
        "limit": 50,
        "offset": 0,
        "sort": "KEY_ASC",
    }
    artifacts = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", json=body).raise_for_status().json()
    by_key = {a["key"]: a for a in artifacts}
    summary = by_key["tradewire-run-summary"]["data"]
    assert "| seed-press | 9 | 5 | 0 | 4 |" in summary and "empty document" in summary
    assert "seed-press" in by_key["tradewire-source-health"]["data"]
