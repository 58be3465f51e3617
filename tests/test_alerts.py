"""Customs-measure alerts through the real flow to a real webhook receiver on 127.0.0.1 (Apprise json://)."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from conftest import SEEDS, seed_path

pytestmark = pytest.mark.usefixtures("prefect_server")

NEW_NOTICE = """GACC announces measures to speed up clearance of cold-chain imports

The General Administration of Customs issued Announcement No. 45 [2020] on Monday.

First, customs will open a green lane for customs clearance of imported cold-chain cargo at Tianjin and Qingdao ports.

Second, customs will accept advance declarations for frozen goods under HS code 0303.89 and release them on arrival.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """A webhook receiver that can be taken down and brought back on the same port."""

    def __init__(self) -> None:
        self.port, self.messages, self.server = free_port(), [], None  # type: ignore[var-annotated]

    def up(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=self.port)
        self.server.expect_request("/hook", method="POST").respond_with_handler(self._receive)
        self.server.start()

    def _receive(self, request):  # type: ignore[no-untyped-def]
        from werkzeug import Response

        self.messages.append(json.loads(request.data))
        return Response("ok")

    def down(self) -> None:
        if self.server and self.server.is_running():
            self.server.stop()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver(monkeypatch) -> Iterator[Receiver]:
    r = Receiver()
    r.up()
    monkeypatch.setenv("TRADEWIRE_ALERT_URLS", r.url)
    yield r
    r.down()


@pytest.fixture
def press(tmp_path: Path) -> Path:
    folder = tmp_path / "press"
    shutil.copytree(SEEDS, folder)
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nid = "seed-press"\nname = "Seeds"\nkind = "files"\nurl = "press"\n', encoding="utf-8"
    )
    return folder


def run(press: Path):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

    return ingest(sources=str(press.parent / "sources.toml"), db_path=str(press.parent / "tw.duckdb"))


def measures_in(messages: list[dict]) -> list[str]:
    return sorted(m["message"].split("\n", 1)[0][:40] for m in messages)


def test_customs_measures_alert_exactly_once(receiver, press):
    run(press)
    assert measures_in(receiver.messages) == [
        "Cooperate with the improvement of the no",
        "Optimize the regulatory measures for cro",
        "Optimizing the customs operation process",
        "Promote the pilot projects of “ship side",
        "Providing a 'one-stop' convenient servic",
        "Support the expansion of the pilot scope",
    ]
    assert all(m["title"].startswith("New customs measure: ") for m in receiver.messages)
    assert any("General Administration of Customs" in m["title"] for m in receiver.messages)
    assert all("Source: file://" in m["message"] for m in receiver.messages)

    run(press)  # a rerun sends nothing
    assert len(receiver.messages) == 6

    # A reprint of seed 003 under another name, and one with a mirror's header and footer: no alert.
    text = seed_path("003").read_text(encoding="utf-8")
    (press / "mirror-copy.txt").write_text(text, encoding="utf-8")
    (press / "mirror-reprint.txt").write_text(
        "Port News Network\n\n" + text + "\n\nEditor: Wang Lei\nAll rights reserved.\n", encoding="utf-8"
    )
    summary = run(press)
    assert len(receiver.messages) == 6
    assert "0 new customs measure(s)" in summary.alerts or "near-duplicate" in summary.alerts


def test_undelivered_alert_stays_pending_until_the_receiver_is_back(receiver, press):
    run(press)
    assert len(receiver.messages) == 6
    receiver.down()
    (press / "gacc-cold-chain.txt").write_text(NEW_NOTICE, encoding="utf-8")
    summary = run(press)
    assert "2 pending" in summary.alerts
    db = press.parent / "tw.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT status, attempts, last_error FROM alerts WHERE status = 'pending'"
        ).fetchall()
    assert len(rows) == 2 and all(r[1] == 1 and "failed" in r[2] for r in rows)

    receiver.up()
    run(press)
    new = receiver.messages[6:]
    assert len(new) == 2 and all(
        "Announcement No. 45 [2020]" in m["message"] or "HS code" in m["message"] for m in new
    )
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM alerts WHERE status = 'pending'").fetchone() == (0,)


def test_alert_urls_never_reach_logs_database_or_artifacts(receiver, press, caplog):
    import httpx
    from prefect.settings import PREFECT_API_URL

    receiver.down()  # failures are where URLs leak most often
    summary = run(press)
    receiver.up()
    run(press)
    secret = f"127.0.0.1:{receiver.port}/hook"
    assert secret not in caplog.text
    for path in press.parent.glob("tw*.duckdb"):
        assert secret.encode() not in path.read_bytes()
    body = {
        "artifacts": {"flow_run_id": {"any_": [summary.run_id]}},
        "limit": 50,
        "offset": 0,
        "sort": "KEY_ASC",
    }
    artifacts = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", json=body).raise_for_status().json()
    assert artifacts and all(secret not in json.dumps(a) for a in artifacts)
