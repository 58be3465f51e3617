"""The alert step (alerts once per event) against big histories: 1,000 new articles at 100k and 1M.

A migrated file warehouse gets a synthetic history (articles, sightings, all already looked at by the
alert step), 2,000 alerts spread over it with one source each whose texts are real pages, and then
1,000 new articles with real texts (tests/data/events and tests/data/topics_real, cycled), 50 of
them with a customs measure. `warehouse.provenance.decide` (the whole step but the sending) is
timed once per size, with its SQL part and its matcher part apart.

    python -m bench.alert_step [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from parsers.stories import neardup
from warehouse import db, provenance

ROOT = Path(__file__).resolve().parents[1]
DAYS, ALERTS, NEW, WITH_MEASURES = 500, 2_000, 1_000, 50


def real_texts() -> list[str]:
    """The real page texts the alerts' sources and the new articles are made of."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests/data/events/texts").glob("*.txt"))]
    with open(ROOT / "tests/data/topics_real/labels.csv", encoding="utf-8") as fh:
        texts += [
            (ROOT / "tests/data/topics_real" / r["path"]).read_text(encoding="utf-8")
            for r in csv.DictReader(fh)
        ]
    return texts


def build(path: Path, size: int, texts: list[str]) -> None:
    """The history, its alerts and the new articles, written straight into the core tables."""
    with db.writer(path) as con:
        con.execute(
            """
            INSERT INTO core.articles (article_id, content_hash, source_id, url, title, published_at, language,
                                       clean_text, raw_text, run_id, loaded_at, story_id)
            SELECT printf('h%015d', i), printf('h%015d', i), 'src-' || (i % 40), 'https://example.org/' || i,
                   'history ' || i, TIMESTAMP '2025-01-01' + to_days((i * ?) // ?), 'en', 'x', 'x', 'r0',
                   TIMESTAMP '2025-01-01' + to_days((i * ?) // ?), 'st-' || i
            FROM range(?) t(i)
            """,
            [DAYS, size, DAYS, size, size],
        )
        con.execute(
            "INSERT INTO core.sightings SELECT url, article_id, source_id, 'r0', loaded_at, url FROM core.articles"
        )
        con.execute("INSERT INTO core.alert_checked SELECT article_id, loaded_at FROM core.articles")
        step = size // ALERTS
        ids = [f"h{i * step:015d}" for i in range(ALERTS)]
        measures = [texts[i % len(texts)][:300] for i in range(ALERTS)]
        sketch = neardup.sketch(measures)
        alerted = pa.table({
            "article_id": ids, "text": [texts[i % len(texts)] for i in range(ALERTS)], "measure": measures,
            "n": pa.array(sketch.sizes, pa.int32()),
            "sig": [np.ascontiguousarray(sig).tobytes() for sig in sketch.sigs],
        })  # fmt: skip
        con.register(
            "alerted", alerted
        )  # alerted history articles get real texts, one alert and one source each
        con.execute("UPDATE core.articles a SET clean_text = t.text, title = '' FROM alerted t"
                    " WHERE a.article_id = t.article_id")  # fmt: skip
        con.execute(
            """
            INSERT INTO core.alerts (alert_id, article_id, ordinal, title, url, published_at, measure_text, n_shingles,
                                     sig, status, attempts, run_id, created_at, kind)
            SELECT 'al-' || a.article_id, a.article_id, 1, a.title, a.url, a.published_at, t.measure, t.n, t.sig,
                   'delivered', 1, 'r0', a.loaded_at, 'new'
            FROM alerted t JOIN core.articles a USING (article_id)
            """
        )
        con.unregister("alerted")
        con.execute(
            """
            INSERT INTO core.alert_sources SELECT x.alert_id, a.article_id, a.source_id, a.url, a.title, a.language,
                   a.published_at, a.loaded_at, 'first', NULL, NULL, 'r0'
            FROM core.alerts x JOIN core.articles a USING (article_id)
            """
        )
        # the new articles: real texts, dated in the last 30 days of the history
        con.executemany(
            "INSERT INTO core.articles (article_id, content_hash, source_id, url, title, published_at, language,"
            " clean_text, raw_text, run_id, loaded_at, story_id) VALUES (?, ?, 'new', ?, '', TIMESTAMP '2025-01-01'"
            " + to_days(?), 'en', ?, 'x', 'r1', now()::TIMESTAMP, ?)",
            [[f"n{i:015d}", f"n{i:015d}", f"https://new.example/{i}", DAYS - 30 + i % 30, texts[(i * 7) % len(texts)],
              f"sn-{i}"] for i in range(NEW)],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO core.measures VALUES (?, 1, ?, ['customs'], NULL, 'General Administration of Customs',"
            " 'customs', NULL, [], [], true)",
            [[f"n{i:015d}", texts[(i * 7) % len(texts)][:300]] for i in range(WITH_MEASURES)],
        )


def timed_step(path: Path) -> dict[str, Any]:
    """One alert step on the warehouse at `path`: seconds in all, in the matcher, what it decided."""
    from parsers import alert_plan

    spent = {"plan": 0.0, "plan_cpu": 0.0}
    original = alert_plan.plan

    def plan(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent["plan"] += time.perf_counter() - start
            spent["plan_cpu"] += time.process_time() - cpu

    alert_plan.plan = plan  # type: ignore[assignment]
    try:
        with db.writer(path) as con:
            start, cpu = time.perf_counter(), time.process_time()
            alerts, attached = provenance.decide(con, "pending", "bench")
            total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        alert_plan.plan = original  # type: ignore[assignment]
    return {"seconds": total, "cpu_seconds": total_cpu, "matcher_seconds": spent["plan"],
            "matcher_cpu_seconds": spent["plan_cpu"], "sql_seconds": total - spent["plan"],
            "sql_cpu_seconds": total_cpu - spent["plan_cpu"], "alerts": len(alerts), "sources_added": attached}  # fmt: skip


def main(sizes: list[int]) -> dict[str, Any]:
    """Build each history, time one alert step on it; print the figures side by side."""
    texts, out = real_texts(), {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tw.duckdb"
            start = time.perf_counter()
            build(path, size, texts)
            built = time.perf_counter() - start
            out[size] = {"build_seconds": built, **timed_step(path)}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nalert step: {NEW} new articles ({WITH_MEASURES} with a customs measure), {ALERTS} alerts over {DAYS} days"
    )
    print(
        f"{'history':>10} {'wall':>8} {'CPU':>8} {'SQL CPU':>8} {'matcher CPU':>12} {'alerts':>7} {'sources':>8}"
    )
    for size, r in out.items():
        print(f"{size:>10,} {r['seconds']:>7.2f}s {r['cpu_seconds']:>7.2f}s {r['sql_cpu_seconds']:>7.2f}s"
              f" {r['matcher_cpu_seconds']:>11.2f}s {r['alerts']:>7} {r['sources_added']:>8}")  # fmt: skip
    if len(sizes) > 1:
        growth = out[sizes[-1]]["cpu_seconds"] / out[sizes[0]]["cpu_seconds"]
        print(f"growth {sizes[0]:,} -> {sizes[-1]:,} (CPU): {growth:.2f}x; peak RSS {peak:.0f} MB")
    return {"alert_step": out, "alert_step_peak_rss_mb": peak}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    main([int(s) for s in parser.parse_args().sizes.split(",")])
