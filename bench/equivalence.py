"""Equivalence of two versions of tradewire: the analyst views hold the same rows.

Builds two warehouses with each version, in a subprocess with that version's code on the path:
the embedded seeds (`tradewire ingest` on the default registry) and a loopback crawl of the 181 aeb
pages (`bench.site.Site`: a feed plus article pages on 127.0.0.1). Then compares every analyst
view both versions have, row for row, leaving out what differs between any two runs (run ids and
load, fetch and run times).

    python -m bench.equivalence [--old 5f11830] [--new WORKTREE]

`--old` is a git revision (default: commit 5f11830, the last commit before the redesign),
extracted with `git archive`; `--new` defaults to this checkout.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import duckdb

from bench.site import Site, load_pages, write_registry

ROOT = Path(__file__).resolve().parent.parent
# What differs between any two runs of one version: ids and times of the run, not of the news.
VOLATILE = re.compile(
    r"run_id|flow_run_id|loaded_at|created_at|delivered_at|at|first_seen|last_seen|last_success|last_new_item"
    r"|last_crash|cadence_hours|stale"
)
RUN = """
import sys
from flows.ingest import ingest
ingest(sources=sys.argv[1] or None, db_path=sys.argv[2], fetch_options={"timeout": 10.0, "total_timeout": 30.0})
"""


def extract(revision: str, into: Path) -> Path:
    """The tree of `revision` unpacked into `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def build(code: Path, registry: Path | None, db_path: Path) -> None:
    """One ingest run of the code in `code` into `db_path` (its own seeds when `registry` is None)."""
    env = {**os.environ, "PYTHONPATH": str(code), "TRADEWIRE_DB": str(db_path)}
    subprocess.run(
        [sys.executable, "-c", RUN, str(registry or ""), str(db_path)], cwd=code, env=env, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def view_rows(db_path: Path, code: Path) -> dict[str, list[tuple[str, ...]]]:
    """Every analyst view's rows, volatile columns left out, the code's folder as <code>, sorted."""
    out = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        views = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW' AND table_schema = 'main'"
        ).fetchall()]  # fmt: skip
        for view in views:
            columns = [
                r[0] for r in con.execute(f"DESCRIBE {view}").fetchall() if not VOLATILE.fullmatch(r[0])
            ]
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f"SELECT {quoted} FROM {view}")
            here = str(code.resolve())
            found = sorted(tuple(repr(v).replace(here, "<code>") for v in row) for row in rows.fetchall())
            out[view] = [tuple(columns), *found]  # the header first: compared too
    return out


def compare(old: tuple[Path, Path], new: tuple[Path, Path]) -> bool:
    """Print, per view, the rows of each version and whether they are the same; True if all are."""
    before, after = view_rows(*old), view_rows(*new)
    same = True
    for view in sorted(set(before) | set(after)):
        if view not in before or view not in after:
            print(f"  {view:18} only in the {'new' if view in after else 'old'} version")
            continue
        equal = before[view] == after[view]
        same &= equal
        counts = f"old {len(before[view]) - 1:5} rows  new {len(after[view]) - 1:5} rows"
        verdict = "same" if equal else "DIFFERENT: " + _differing(before[view], after[view])
        print(f"  {view:18} {counts}  {verdict}")
    return same


def _differing(old: list[tuple[str, ...]], new: list[tuple[str, ...]]) -> str:
    """Which columns differ (by name), or why the rows cannot be compared column by column."""
    if old[0] != new[0]:
        return f"columns {sorted(set(old[0]) ^ set(new[0]))}"
    if len(old) != len(new):
        return "row counts"
    columns = [
        name
        for i, name in enumerate(old[0])
        if any(a[i] != b[i] for a, b in zip(old[1:], new[1:], strict=True))
    ]
    return f"columns {columns}"


def main(argv: list[str] | None = None) -> int:
    """Build both versions' warehouses on both data sets and compare their views."""
    parser = argparse.ArgumentParser(prog="python -m bench.equivalence", description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="5f11830")
    parser.add_argument("--new", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    from bench.__main__ import prefect_server

    ok = True
    with tempfile.TemporaryDirectory(prefix="tw-equiv-") as tmp, prefect_server(), Site(load_pages()) as site:
        old_code = extract(args.old, Path(tmp) / "old")
        registry = write_registry(Path(tmp), site.feed_url)
        for name, sources in (("seeds", None), ("aeb crawl (181 pages)", registry)):
            built = {}
            for version, code in (("old", old_code), ("new", args.new)):
                built[version] = Path(tmp) / f"{version}-{len(built)}-{name[:4]}" / "tw.duckdb"
                build(code, sources, built[version])
            print(f"{name}: {args.old} vs {args.new.name}")
            ok &= compare((built["old"], old_code), (built["new"], args.new))
    print("equivalent" if ok else "NOT equivalent")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
