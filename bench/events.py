"""Event-level matching benchmark: quality on the real event set, then the incremental cost at scale.

1. Quality (tests/data/events, split by family in split.csv): pairwise precision / recall / F1 of
   the event stories (parsers.stories.event_index.place_all, pages added in published order) on the dev and
   the test split, beside the copy level (MinHash: LSH candidates scoring >= neardup.THRESHOLD,
   stories by parsers.stories.assign.assign_stories) on the same pages. Pairs within a split only.
2. `--calibrate`: bench/events_calibrate.py: refit the logistic weights of parsers.stories.events on the
   dev split (pairs sharing a blocking key, sign-constrained), print them (to paste into events.WEIGHTS)
   with the dev figures by threshold, in sample and with each family held out.
3. Scale: a DuckDB file holds a history of N synthetic profiles (event_keys: blocking key hashes with
   the published day; event_profiles: profile JSON and story), drawn from the real pages' anchors:
   each a real page's profile whose dates move by a random number of weeks, whose numbers,
   percentages and document numbers are redrawn from the real values, at RATE articles a day. Then
   1,000 new articles (real profiles, moved to the last days) are placed: key join within the window
   with the cap, candidate profiles fetched, decisions, story assignment, rows inserted, in a
   transaction rolled back after each run. Median of `--repeat` runs; peak RSS.

    python -m bench.events [--calibrate] [--sizes 100000,1000000] [--repeat 3] [--no-scale]
"""

from __future__ import annotations

import os

# The calibration's Newton steps are small matrix products: OpenBLAS's threads spin against any
# other work on the machine and made a fit 3-9x slower (0.75 s on one thread, 2-7 s on two, 46,394
# pairs). Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import events_eval
from parsers.stories import assign as stories
from parsers.stories import event_index, events, neardup


def profiles_of(pages: Sequence[events_eval.Page]) -> list[events.Profile]:
    """Profiles of the pages (no title: the excerpts start with whatever the page starts with)."""
    return [events.profile(p.page_id, "", p.text, p.published) for p in pages]


def event_stories(pages: Sequence[events_eval.Page]) -> dict[str, str]:
    """Story of each page when the pages are placed one by one, split by split."""
    story: dict[str, str] = {}
    for split in sorted({p.split for p in pages}):
        placed = event_index.place_all(profiles_of([p for p in pages if p.split == split]))
        story.update({x.article_id: x.story_id for x in placed})
    return story


def copy_stories(pages: Sequence[events_eval.Page]) -> dict[str, str]:
    """Story of each page at the copy level alone (MinHash LSH + threshold, as the pipeline does)."""
    story: dict[str, str] = {}
    for split in sorted({p.split for p in pages}):
        part = [p for p in pages if p.split == split]
        sketch = neardup.sketch([p.text for p in part])
        pairs = neardup.candidate_pairs(sketch)
        ia, ib = [a for a, _ in pairs], [b for _, b in pairs]
        scores = neardup.similarities(sketch.sigs[ia], sketch.sigs[ib], sketch.sizes[ia], sketch.sizes[ib])
        items = [stories.Item(p.page_id, neardup.text_key(p.text)) for p in part]
        scored = [
            (part[a].page_id, part[b].page_id, float(s)) for a, b, s in zip(ia, ib, scores, strict=True)
        ]
        story.update({x.article_id: x.story_id for x in stories.assign_stories(items, scored, {})})
    return story


def quality(splits: tuple[str, ...] = ("dev", "test")) -> dict[str, Any]:
    """Pairwise P/R/F1 of the event level and the copy level on the dev and test splits."""
    pages = [p for p in events_eval.load() if p.split in splits]
    figures: dict[str, Any] = {}
    for level, build in (("event", event_stories), ("copy", copy_stories)):
        story = build(pages)
        for split in splits:
            part = [p for p in pages if p.split == split]
            result = events_eval.prf(
                events_eval.story_pairs({p.page_id: story[p.page_id] for p in part}), part
            )
            figures[f"{level}_{split}"] = result
    return figures


def print_quality(figures: dict[str, Any]) -> None:
    """One line per level and split."""
    for key, r in figures.items():
        print(f"  {key:<12} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  "
              f"({r['correct_pairs']} of {r['predicted_pairs']} predicted pairs right, {r['true_pairs']} true pairs)")  # fmt: skip


def flat(figures: dict[str, Any]) -> dict[str, float]:
    """`events_<level>_<split>_<measure>` figures for results.json."""
    return {f"events_{key}_{m}": r[m] for key, r in figures.items() for m in ("precision", "recall", "f1")}


def run(
    sizes: list[int], repeat: int, scale: bool = True, splits: tuple[str, ...] = ("dev", "test")
) -> dict[str, Any]:
    """Quality figures, then (if `scale`) the incremental cost; everything as one flat dict."""
    figures = quality(splits)
    print_quality(figures)
    out: dict[str, Any] = flat(figures)
    if scale:
        from bench import events_scale

        out.update(events_scale.scale(sizes, repeat))
    return out


def in_subprocess(sizes: list[int], repeat: int) -> dict[str, Any]:
    """`run` in a fresh process (its peak RSS is its own), output passed through; the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "events.json"
        cmd = [sys.executable, "-m", "bench.events", "--sizes", ",".join(map(str, sizes)),
               "--repeat", str(repeat), "--json", str(out)]  # fmt: skip
        subprocess.run(cmd, check=True, cwd=Path(__file__).resolve().parents[1])
        return dict(json.loads(out.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> None:
    """Quality on the event set, optionally calibration, then the scale benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--drop", default="", help="with --calibrate: features left out, comma-separated")
    parser.add_argument("--dev-only", action="store_true", help="quality on dev only (while tuning)")
    parser.add_argument(
        "--split",
        action="append",
        help="quality on these splits instead of dev and test (repeatable: --split test --split test3)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.calibrate:
        from bench import events_calibrate

        events_calibrate.main(frozenset(filter(None, args.drop.split(","))))
    splits = ("dev",) if args.dev_only else tuple(args.split or ("dev", "test"))
    figures = run([int(s) for s in args.sizes.split(",")], args.repeat, not args.no_scale, splits)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
