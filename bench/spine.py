"""The redesign's figures, before (a git revision) and after (this checkout), side by side in one run.

1. Warehouse opens per run and Prefect's overhead share of a 181-page run: each version runs its own
   `flow_benchmark` (`bench.flow_probe`; `bench.pipeline` in revisions before the split: the real
   `ingest` flow over the aeb pages served on 127.0.0.1, the first run in a fresh process) in a
   subprocess that counts `duckdb.connect` calls.
2. Hosts side by side: four feed sources on four loopback hosts (127.0.0.2-5), 1 request/s each,
   in one run, against one of them alone (this checkout only; wanted: ratio <= 1.6).

    python -m bench.spine [--old 5f11830] [--pages 6]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.equivalence import ROOT, extract
from bench.site import Site, load_pages

PROBE = """
import json, duckdb
opened = [0]
connect = duckdb.connect
def counting(*args, **kwargs):
    opened[0] += 1
    return connect(*args, **kwargs)
duckdb.connect = counting
try:
    from bench.flow_probe import flow_benchmark
except ImportError:  # an --old revision from before bench.pipeline was split
    from bench.pipeline import flow_benchmark
figures = flow_benchmark(runs=1)[0]
print(json.dumps({"opens": opened[0], "overhead_share": figures["prefect_overhead_share"],
                  "wall_seconds": figures["wall_seconds"], "new": figures["new"]}))
"""
HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")


def probe(code: Path) -> dict[str, Any]:
    """Opens and overhead of one 181-page run of the code in `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=code, env=env, check=True, capture_output=True, text=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def registry(folder: Path, sites: list[Site]) -> Path:
    """Feed sources, one per site, at 1 request/s per host."""
    sources = "".join(
        f'\n[[source]]\nid = "host-{i}"\nname = "host {i}"\nkind = "feed"\nurl = "{site.feed_url}"\n'
        'parser = "html"\nlocal = true\nmax_bytes = 10000000\n'
        for i, site in enumerate(sites)
    )
    path = folder / f"sources-{len(sites)}.toml"
    path.write_text(
        f'[defaults]\nuser_agent = "tradewire-bench/1 (+mailto:bench@example.org)"\nmin_interval = 1.0\n{sources}'
    )
    return path


def hosts_side_by_side(pages: int) -> dict[str, float]:
    """Wall seconds of one source alone and of four sources on four hosts, and their ratio."""
    from flows.ingest import ingest

    corpus = load_pages()
    sites = [Site(corpus[i * pages : (i + 1) * pages], host) for i, host in enumerate(HOSTS)]
    walls = {}
    with tempfile.TemporaryDirectory(prefix="tw-hosts-") as tmp:
        for site in sites:
            site.__enter__()
        try:
            for label, chosen in (("one", sites[:1]), ("four", sites)):
                start = time.perf_counter()
                ingest(sources=str(registry(Path(tmp), chosen)), db_path=str(Path(tmp) / f"{label}.duckdb"))
                walls[label] = time.perf_counter() - start
        finally:
            for site in sites:
                site.__exit__(None, None, None)
    return {"one_source_seconds": walls["one"], "four_sources_seconds": walls["four"],
            "ratio": walls["four"] / walls["one"]}  # fmt: skip


def spine_benchmark(old: str = "5f11830", pages: int = 6) -> dict[str, Any]:
    """Print and return the before/after figures and the hosts ratio (needs a running Prefect API)."""
    # Beside the checkout, so the old tree's benches find ../shared as this one does.
    with tempfile.TemporaryDirectory(prefix=".tw-spine-", dir=ROOT.parent) as tmp:
        before = probe(extract(old, Path(tmp)))
    after = probe(ROOT)
    print(f"  {'181-page run':28} {'before (' + old + ')':>22} {'after':>10}")
    print(f"  {'warehouse opens per run':28} {before['opens']:>22} {after['opens']:>10}")
    print(
        f"  {'Prefect overhead share':28} {before['overhead_share']:>22.1%} {after['overhead_share']:>10.1%}"
    )
    print(f"  {'wall seconds':28} {before['wall_seconds']:>22.1f} {after['wall_seconds']:>10.1f}")
    hosts = hosts_side_by_side(pages)
    print(f"  4 sources on 4 hosts at 1 req/s: {hosts['four_sources_seconds']:.1f} s, one alone "
          f"{hosts['one_source_seconds']:.1f} s: ratio {hosts['ratio']:.2f} (wanted <= 1.6)")  # fmt: skip
    return {
        "spine_opens_before": before["opens"], "spine_opens_after": after["opens"],
        "spine_overhead_share_before": before["overhead_share"], "spine_overhead_share_after": after["overhead_share"],
        "hosts_four_vs_one_ratio": hosts["ratio"], "hosts_one_source_seconds": hosts["one_source_seconds"],
        "hosts_four_sources_seconds": hosts["four_sources_seconds"],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Print the before/after figures and the hosts ratio."""
    parser = argparse.ArgumentParser(prog="python -m bench.spine", description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="5f11830")
    parser.add_argument("--pages", type=int, default=6, help="articles per host in the hosts bench")
    args = parser.parse_args(argv)
    from bench.__main__ import prefect_server

    with prefect_server():
        spine_benchmark(args.old, args.pages)


if __name__ == "__main__":
    main()
