"""Alerts once per event, on real reports (tests/data/alerts): later reports become the alert's sources.

Every run is the real `ingest` flow over files sources (one per outlet), alerts go to a real webhook
receiver on 127.0.0.1 (Apprise json://), and the provenance is read back from the warehouse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from test_alerts import Receiver, receiver  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("prefect_server")

DATA = Path(__file__).parent / "data" / "alerts"
CAMBODIA_NOTICE = DATA.parent / "topics_real" / "texts" / "zh_sqrdapp-com_f069b044.txt"
CAMBODIA_REPORT = DATA / "texts" / "zh_app-bjtitle-com_cambodia.txt"
NEGATIVES = {  # same issuers and template, other countries (or another ban the same day)
    "cnr": "zh_m-cmstop-zt-jsw-com-cn_india.txt",
    "sixthtone": "en_sixthtone-com_india.txt",
    "jstv": "zh_news-jstv-com_uk.txt",
    "straits": "en_straitstimes-com_laos.txt",
}
MONGOLIA_REPORT = DATA / "texts" / "en_chinatrademonitor-com_mongolia.txt"


class Outlets:
    """A registry of files sources, one folder per outlet, and the runs over it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.names: list[str] = []

    def publish(self, outlet: str, page: Path) -> None:
        """Put a real page in an outlet's folder (the outlet's source is added to the registry)."""
        folder = self.root / outlet
        folder.mkdir(exist_ok=True)
        shutil.copy(page, folder / page.name)
        if outlet not in self.names:
            self.names.append(outlet)
        (self.root / "sources.toml").write_text(
            "".join(
                f'[[source]]\nid = "{n}"\nname = "{n}"\nkind = "files"\nurl = "{n}"\n\n' for n in self.names
            ),
            encoding="utf-8",
        )

    def run(self, **kwargs):  # type: ignore[no-untyped-def]
        from flows.ingest import ingest

        return ingest(sources=str(self.root / "sources.toml"), db_path=str(self.db), **kwargs)

    @property
    def db(self) -> Path:
        return self.root / "tw.duckdb"

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture
def outlets(tmp_path: Path) -> Outlets:
    return Outlets(tmp_path)


def test_a_notice_and_later_reports_of_it_make_one_alert_with_its_sources(receiver, outlets):  # noqa: F811
    outlets.publish("legal-db", CAMBODIA_NOTICE)
    first = outlets.run()
    assert len(receiver.messages) == 1 and "柬埔寨" in receiver.messages[0]["message"]
    assert "attached" not in first.alerts  # the alert's own page is its first source, not an attached report

    # Later: another outlet's reworded report of the notice, the same notice at a mirror, and reports
    # of other bans by the same issuers in the same words (India, Laos, the UK beef of another day).
    outlets.publish("byd", CAMBODIA_REPORT)
    outlets.publish("mirror", CAMBODIA_NOTICE)
    for outlet, name in NEGATIVES.items():
        outlets.publish(outlet, DATA / "texts" / name)
    summary = outlets.run()
    assert len(receiver.messages) == 1, "a report of an alerted measure was sent again"
    assert "0 new customs measure(s)" in summary.alerts and "2 report(s) attached" in summary.alerts

    [(alert_id, sources, first_source, status)] = outlets.query(
        "SELECT alert_id, sources, first_source, status FROM alerts WHERE status <> 'duplicate'"
    )
    assert (sources, first_source, status) == (3, "legal-db", "delivered")
    rows = outlets.query(
        f"SELECT source_id, rule, language, why FROM alert_sources WHERE alert_id = '{alert_id}'"
    )
    by_source = {source: (rule, language, why) for source, rule, language, why in rows}
    assert set(by_source) == {"legal-db", "byd", "mirror"}  # no India, Laos or UK report
    assert by_source["legal-db"][0] == "first" and by_source["mirror"][0] == "sighting"
    rule, language, why = by_source["byd"]
    assert rule in ("story", "copy") and language == "zh"
    if why:  # the matcher's reasons are stored as JSON: the shared country is among them
        assert "Cambodia" in json.loads(why)["shared"]["places"]

    outlets.run()  # a rerun attaches and sends nothing more
    assert len(receiver.messages) == 1
    assert outlets.query("SELECT count(*) FROM alert_sources") == [(3,)]


def test_a_report_with_its_own_measure_of_another_ban_still_alerts(receiver, outlets):  # noqa: F811
    outlets.publish("legal-db", CAMBODIA_NOTICE)
    outlets.run()
    outlets.publish("ctm", MONGOLIA_REPORT)  # Mongolia's ban, same issuers, numbered measures of its own
    outlets.run()
    assert len(receiver.messages) == 2 and "Mongolia" in receiver.messages[1]["message"]
    assert outlets.query("SELECT count(*) FROM alerts WHERE status = 'duplicate'") == [(0,)]


def test_three_outlets_reworded_reports_of_one_measure_make_one_alert_per_measure(receiver, outlets):  # noqa: F811
    outlets.publish("ccftnt", DATA / "texts" / "en_ccftnt-com-cn_ten-measures.txt")
    outlets.run()
    sent = len(receiver.messages)
    assert sent >= 1
    outlets.publish("chinadaily", DATA / "texts" / "en_govt-chinadaily-com-cn_ten-measures.txt")
    outlets.publish("securities-times", DATA / "texts" / "zh_szfyd-top_ten-measures.txt")
    outlets.run()
    assert len(receiver.messages) == sent
    counts = outlets.query("SELECT sources FROM alerts WHERE status <> 'duplicate'")
    assert counts and all(n == 3 for (n,) in counts)


def test_the_digest_lists_every_source(receiver, outlets, monkeypatch):  # noqa: F811
    from flows.alerts import digest

    monkeypatch.setenv("TRADEWIRE_ALERT_MODE", "digest")
    outlets.publish("legal-db", CAMBODIA_NOTICE)
    outlets.publish("byd", CAMBODIA_REPORT)
    outlets.run()
    assert receiver.messages == []
    assert digest(db_path=str(outlets.db)) == 1
    [message] = receiver.messages
    assert "Sources (2):" in message["message"]
    assert "- legal-db: file://" in message["message"] and "- byd: file://" in message["message"]
