"""Alert destinations are secrets: checked by position, never printed at any log level, never stored."""

from __future__ import annotations

import logging
import re
import socket
import sqlite3
from pathlib import Path

import duckdb
import pytest

from bench.alert_trials import SlowReceiver, make_press, start_ingest, start_tradewire
from flows import notify

SECRET = "Zq7tokenXq9"  # the credential in every destination below


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def destinations(receiver: SlowReceiver) -> list[str]:
    """#1 unknown scheme, #2 the receiver, #3 a port out of range, #4 a token Apprise rejects,
    #5 no scheme, #6 well-formed but nobody answers; each carrying the secret."""
    return [
        f"jsn://127.0.0.1:9/{SECRET}a",
        receiver.url,
        f"json://127.0.0.1:99999/{SECRET}c",
        f"slack://{SECRET}d/{SECRET}e",
        f"{SECRET}f",
        f"json://user:{SECRET}g@127.0.0.1:{closed_port()}/{SECRET}h",
    ]


def test_invalid_destinations_are_named_by_position_and_nothing_apprise_logs_shows_them(caplog):
    receiver = SlowReceiver(delay=0.0, path=f"/hook/{SECRET}b")
    try:
        caplog.set_level(1)  # everything, Apprise's TRACE included
        services, problems = notify.check(destinations(receiver))
        assert problems == [f"alert destination #{n} is not a valid Apprise URL" for n in (1, 3, 4, 5)]
        assert len(services) == 2
        assert notify.send(services, "title", "body") == "delivery failed: no destination accepted it"
        assert [a.key for a in receiver.arrivals] == ["body"]  # the good destination still got it
    finally:
        receiver.close()
    assert any(r.name.startswith(("apprise", "urllib3")) for r in caplog.records)  # they did log
    assert SECRET not in caplog.text
    assert "127.0.0.1:9" not in caplog.text


def test_the_redactor_covers_arguments_exceptions_and_encoded_parts(caplog):
    notify.REDACTOR.add([f"json://127.0.0.1:1/a b{SECRET}"])
    notify.install_redactor()
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("urllib3.connectionpool")
    log.debug('"POST /a%%20b%s HTTP/1.1" %s', SECRET, 200)
    try:
        raise ValueError(f"cannot reach mailto://someone:{SECRET}@mail.example")
    except ValueError:
        logging.getLogger("apprise").exception("failed")
    assert SECRET not in caplog.text and "someone" not in caplog.text
    assert "failed" in caplog.text and "ValueError" in caplog.text  # what happened is still said


# --- Every log level, a real `tradewire ingest` (and `tradewire digest`), every output and file -----

LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def text_leaks(paths: list[Path], secret: str) -> list[str]:
    """Where the secret appears in `paths` (files, or folders searched whole): the raw bytes of every
    file, and every text column of every DuckDB, Parquet and SQLite file (they may compress)."""
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    found = [str(f) for f in files if secret.encode() in f.read_bytes()]
    pattern = f"%{secret}%"
    for path in files:
        if path.suffix == ".duckdb" and not path.name.startswith("."):
            with duckdb.connect(str(path), read_only=True) as con:
                tables = con.execute(
                    "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal"
                ).fetchall()
                for schema, table in tables:
                    rows = con.execute(
                        f'SELECT count(*) FROM "{schema}"."{table}" t WHERE CAST(t AS VARCHAR) LIKE ?',
                        [pattern],
                    ).fetchone()
                    found += [f"{path}:{schema}.{table}"] if rows and rows[0] else []
        elif path.suffix == ".parquet":
            with duckdb.connect() as con:
                rows = con.execute(
                    "SELECT count(*) FROM read_parquet(?) t WHERE CAST(t AS VARCHAR) LIKE ?",
                    [str(path), pattern],
                ).fetchone()
                found += [str(path)] if rows and rows[0] else []
        elif path.suffix == ".db":
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as sq:
                for (table,) in sq.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                    if any(secret in repr(row) for row in sq.execute(f'SELECT * FROM "{table}"')):
                        found.append(f"{path}:{table}")
    return found


def prefect_database() -> Path:
    """The SQLite file of the session's Prefect server (its logs, artifacts, events, runs)."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    return Path(str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value()).split(":///", 1)[1])


def api_logs(api: str, run_id: str) -> list[dict[str, object]]:
    import httpx

    body = {"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200, "offset": 0}
    logs: list[dict[str, object]] = []
    while page := httpx.post(f"{api}/logs/filter", json=body).raise_for_status().json():
        logs += page
        body["offset"] = len(logs)
    return logs


@pytest.mark.slow
@pytest.mark.parametrize(
    "level,sink,mode",
    [
        *((level, "console", "each") for level in LEVELS),  # Apprise's records through the root logger
        ("DEBUG", "api", "each"),  # ...or sent to the Prefect API (PREFECT_LOGGING_EXTRA_LOGGERS)
        ("DEBUG", "api", "digest"),
    ],
)
def test_no_log_level_prints_or_stores_a_destination(prefect_server, level, sink, mode, tmp_path):
    from prefect.settings import PREFECT_API_URL

    api = str(PREFECT_API_URL.value())
    receiver = SlowReceiver(delay=0.0, path=f"/hook/{SECRET}b")
    env = {
        "PREFECT_API_URL": api,
        "TRADEWIRE_ALERT_URLS": " ".join(destinations(receiver)),
        "TRADEWIRE_ALERT_MODE": mode,
        "PREFECT_LOGGING_LEVEL": level,
        "PREFECT_LOGGING_ROOT_LEVEL": level,  # lets Apprise's, requests' and urllib3's records through
        "PREFECT_LOGGING_TO_API_LEVEL": level,
    }
    if sink == "api":
        env["PREFECT_LOGGING_EXTRA_LOGGERS"] = "apprise,urllib3,requests"
    try:
        run = start_ingest(make_press(tmp_path), tmp_path / "tw.duckdb", tmp_path / "prefect", env)
        out = run.communicate(timeout=600)[0]
        assert run.returncode == 0, out[-5000:]
        if mode == "digest":
            digest = start_tradewire(
                ["digest", "--db", str(tmp_path / "tw.duckdb")], tmp_path / "prefect", env
            )
            out += digest.communicate(timeout=600)[0]
            assert digest.returncode == 0, out[-5000:]
        sent = len(receiver.arrivals)
    finally:
        receiver.close()
    assert sent == (1 if mode == "digest" else 6), out[-5000:]  # the valid destination was used
    assert SECRET not in out
    if level in ("DEBUG", "INFO", "WARNING"):  # the warning shows where the level lets it through
        assert "alert destination #4 is not a valid Apprise URL" in out
    run_id = re.search(r"\(status: \w+, run ([0-9a-f-]{36})\)", out)
    if sink == "api" and mode == "each" and run_id:  # Apprise's records did reach the Prefect API
        assert any(log["name"] == "apprise" for log in api_logs(api, run_id.group(1)))
    assert text_leaks([tmp_path, *prefect_database().parent.glob("prefect-test.db*")], SECRET) == []
