"""Is a run still alive? Each run holds a lock for its whole life; the next run asks for that lock.

The rule, in order (`is_dead`):

1. A run's lock is held: it is alive. Nothing else overrides this, so a live run is never marked
   crashed. The run takes the lock before it records itself `running` (`hold`, then
   `load.start_run`) and lets it go only after it has recorded its outcome (`load.finish_run`); a
   process that dies, even by SIGKILL, loses it at once (the kernel closes its files, PostgreSQL its
   session).
   - File warehouse: an exclusive flock on `<db>.runs/<run_id>.lock` beside the published file (the
     same filesystem, and the same assumption, as the write lock in `db.write_lock`).
   - DuckLake, PostgreSQL catalog: an advisory lock `(LOCK_CLASS, key of the run id)` taken in a
     transaction left open on a PostgreSQL connection of the run's own; others look it up in
     `pg_locks`. Works across machines; a machine that vanishes without closing its connection keeps
     the lock until the session's TCP keepalive drops it (about 90 s, set below). The open
     transaction (DuckDB's postgres extension opens it REPEATABLE READ) holds back VACUUM's horizon
     in the catalog database for the run's length; a server setting
     `idle_in_transaction_session_timeout` shorter than a run would end it and free the lock. If
     PostgreSQL restarts, a live run loses its lock and may be marked crashed; its own `finish_run`
     then records its real outcome over it.
   - DuckLake, DuckDB-file catalog: the file lock, beside the catalog file.
2. The lock is free (or its file is gone) and the run's owner process (host, pid and start time,
   recorded with the run) is on this host: dead exactly when that process no longer exists (a pid
   reused by another process has another start time). A deleted lock file thus never kills a live run.
3. The lock is free and the owner is on another host: dead.
4. No lock was recorded (a run recorded before migration 009, or by code that records runs without
   holding one): dead when its owner process on this host is gone, or when a reachable Prefect API
   reports its flow run in a final state; otherwise it is left `running`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import duckdb

from warehouse import db

LOCK_CLASS = 0x74776C76  # "twlv": first key of every run's advisory lock in the catalog database
# The server drops the session of a machine that vanished (and so its lock) after about 90 s, not
# after the operating system's default of two hours.
_KEEPALIVE = (
    "SET tcp_keepalives_idle = 60",
    "SET tcp_keepalives_interval = 10",
    "SET tcp_keepalives_count = 3",
)
_held: dict[str, IO[str] | duckdb.DuckDBPyConnection] = {}  # run id -> what this process holds for it


@dataclass(frozen=True)
class Owner:
    """The process that runs a run, and the lock it holds while the run lives."""

    host: str
    pid: int
    start: int | None  # process start, clock ticks since boot: tells a reused pid apart
    lock: str | None  # "file:<path>" or "postgres:<key>"; None when no lock is held


def _start_ticks(pid: int) -> int | None:
    """Start time of a process (Linux /proc), or None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses
    return int(fields[19]) if len(fields) > 19 else None


def _process_exists(pid: int, start: int | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False  # a zombie: dead, only not yet waited for
    except (OSError, IndexError):
        pass
    return start is None or _start_ticks(pid) in (start, None)


def _lock_file(db_path: str) -> Path | None:
    """The folder of run lock files for this warehouse, or None on a PostgreSQL-catalog lake."""
    cfg = db.lake_config()
    if cfg is None:
        published = Path(db_path).resolve()
    elif cfg.catalog_file is not None:
        published = cfg.catalog_file.resolve()
    else:
        return None
    return published.with_name(published.name + ".runs")


def _pg_key(run_id: str) -> int:
    return int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:4], "big", signed=True)


def _postgres(libpq: str) -> duckdb.DuckDBPyConnection:
    from warehouse import extensions

    directory = extensions.extension_directory()
    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        ":memory:", config={"autoinstall_known_extensions": False, "extension_directory": str(directory)}
    )
    try:
        extensions.load_extension(con, "postgres_scanner")
        quoted = "'" + libpq.replace("'", "''") + "'"
        con.execute(f"ATTACH {quoted} AS catalog (TYPE postgres)")
    except duckdb.Error as exc:
        con.close()
        raise db.WarehouseError(f"cannot reach the lake's catalog for the run's lock: {exc}") from exc
    return con


def hold(db_path: str, run_id: str) -> str:
    """Take this run's lock (kept until `release` or the end of the process); returns what is held."""
    if run_id in _held:
        return owner(run_id).lock or ""
    folder = _lock_file(db_path)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{run_id}.lock"
        handle = open(path, "a+")  # noqa: SIM115 - held open for the run's life on purpose
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new run id: nobody else holds it
        _held[run_id] = handle
        return f"file:{path}"
    cfg = db.lake_config()
    assert cfg is not None and cfg.postgres is not None
    con = _postgres(cfg.postgres)
    con.execute("BEGIN TRANSACTION")  # one PostgreSQL transaction (one connection), open until `release`
    for statement in (*_KEEPALIVE, f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, {_pg_key(run_id)})"):
        con.execute("CALL postgres_execute('catalog', ?)", [statement])
    _held[run_id] = con
    return f"postgres:{_pg_key(run_id)}"


def owner(run_id: str) -> Owner:
    """This process as the owner of `run_id`, with the lock it holds for it (if any)."""
    held = _held.get(run_id)
    lock = None
    if isinstance(held, duckdb.DuckDBPyConnection):
        lock = f"postgres:{_pg_key(run_id)}"
    elif held is not None:
        lock = f"file:{held.name}"
    return Owner(socket.gethostname(), os.getpid(), _start_ticks(os.getpid()), lock)


def release(run_id: str) -> None:
    """Let go of the run's lock once its outcome is recorded (a no-op when none is held)."""
    held = _held.pop(run_id, None)
    if isinstance(held, duckdb.DuckDBPyConnection):
        try:
            held.execute("COMMIT")
        finally:
            held.close()
    elif held is not None:
        Path(held.name).unlink(missing_ok=True)
        held.close()


def lock_held(lock: str) -> bool:
    """Whether some process holds `lock` now (a missing lock file is a free lock)."""
    kind, _, where = lock.partition(":")
    if kind == "file":
        try:
            fd = os.open(where, os.O_RDWR)  # never create it
        except FileNotFoundError:
            return False
        except OSError:  # cannot look (permissions, a stale mount): assume its run lives
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # also drops the probe's own lock
        return False
    cfg = db.lake_config()
    if kind != "postgres" or cfg is None or cfg.postgres is None:
        return True  # a lock this configuration cannot look at: assume its run lives
    key = int(where) & 0xFFFFFFFF  # pg_locks shows the second key as an unsigned oid
    query = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
        f" AND classid = {LOCK_CLASS} AND objid = {key}"
    )
    with _postgres(cfg.postgres) as con:
        row = con.execute("SELECT * FROM postgres_query('catalog', ?)", [query]).fetchone()
    return bool(row and row[0])


def forget(lock: str) -> None:
    """Remove a dead run's lock file (nothing to do for an advisory lock)."""
    kind, _, where = lock.partition(":")
    if kind == "file":
        Path(where).unlink(missing_ok=True)


def is_dead(run: Owner, flow_run_id: str | None) -> bool:
    """Whether a run recorded `running` has nothing alive behind it (the rule in the module docstring)."""
    if run.lock is not None and lock_held(run.lock):
        return False
    if run.host == socket.gethostname() and run.pid:
        if run.pid == os.getpid() and run.start == _start_ticks(os.getpid()):
            return run.lock is not None  # ours, lock free: it ended; without one: another flow of ours
        return not _process_exists(run.pid, run.start)
    if run.lock is not None:
        return True
    return _prefect_final(flow_run_id)


def _prefect_final(flow_run_id: str | None) -> bool:
    """Whether a reachable Prefect API reports this flow run in a final state (completed, failed, crashed...)."""
    if not flow_run_id:
        return False
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return False
    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
    except Exception:  # unreachable, unknown to this server, or not a flow run id: cannot tell
        return False
    return state is not None and state.is_final()
