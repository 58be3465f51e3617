"""A real, throw-away PostgreSQL server on 127.0.0.1 for the DuckLake tests (and for trying the lake).

Finds Debian's binaries (/usr/lib/postgresql/<version>/bin), installing the `postgresql` package with
apt-get when they are missing (CI machines start bare; we are root there), then `initdb` into a
temporary folder and `pg_ctl start` on a free port. PostgreSQL refuses to run as root, so as root
the server runs as the `postgres` user the package creates.

    .venv/bin/python tests/postgres.py      # start one, print the TRADEWIRE_* lines, stop on Enter
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

APT_ENV = {"DEBIAN_FRONTEND": "noninteractive", "NEEDRESTART_MODE": "a"}


def find_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder."""
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "pg_ctl").exists()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, default=None)


def install() -> Path:
    """`apt-get install postgresql` (non-interactive) and return its bin folder."""
    if os.geteuid() != 0:
        raise RuntimeError(
            "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
        )
    env = {**os.environ, **APT_ENV}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    found = find_bin()
    if found is None:
        raise RuntimeError("apt-get installed postgresql but no /usr/lib/postgresql/*/bin/pg_ctl appeared")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running server: connect with host 127.0.0.1, `port`, user postgres, no password."""

    bin: Path
    folder: Path
    port: int
    user: str | None  # the OS user the server runs as (None: ourselves)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = list(args) if self.user is None else ["runuser", "-u", self.user, "--", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def libpq(self, dbname: str) -> str:
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user=postgres"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name`; returns its libpq connection string."""
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.libpq(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start(fsync: bool = True) -> Server:
    """Install if needed, initdb into a new temporary folder and start a server on a free port."""
    bin_dir = find_bin() or install()
    user = None
    folder = Path(tempfile.mkdtemp(prefix="tradewire-pg-"))
    if os.geteuid() == 0:
        user = "postgres"
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = Server(bin_dir, folder, free_port(), user)
    server._run(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories={folder}"
    if not fsync:
        options += " -c fsync=off -c synchronous_commit=off"
    try:
        server._run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "server.log"),
                    "-o", options, "-w", "-t", "60", "start")  # fmt: skip
    except Exception:
        log = folder / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start:\n{detail}") from None
    return server


if __name__ == "__main__":
    server = start()
    try:
        libpq = server.create_database("lake")
        print(f"export TRADEWIRE_CATALOG='postgres:{libpq}'")
        print(f"export TRADEWIRE_LAKE_DATA='{server.folder}/lake-data/'")
        input("PostgreSQL is running; press Enter to stop it and delete its folder. ")
    finally:
        server.stop()
