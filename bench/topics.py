"""Topic benchmark: quality on real pages and on the passage sets, the govcn documents, and speed.

Quality: per-topic precision, recall and F1 and the macro-F1 of the topic classifier on the real-page
set `tests/data/topics_real` (dev split: tuned on; test split: never tuned on), English and Chinese
separately, next to the rules before issue 15 (`tests/data/topics_real/baseline_topics.toml`, the
lexicon and thresholds of commit 9b922ae, read by today's matcher), and on the passage sets of
`tests/data/topics`. govcn: the topics and evidence given to the 19 State Council documents of
`../shared/corpora/govcn` next to the labels in `govcn_labels.csv`.

Speed: `classify` and `extract_measures` on 1,000 articles of about 3 kB (the real pages, the seeds
and the `aeb` article bodies, joined and cut to article length), rules loaded once as the flow does;
best of `--repeat` runs, wall and CPU time.

    python -m bench.topics [--articles N] [--repeat R]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parsers.classify.evaluate import Report, evaluate, read_labels
from parsers.classify.measures import extract_measures
from parsers.classify.topics import Rules, classify, load_rules

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRADEWIRE_SHARED", ROOT.parent / "shared"))
AEB = SHARED / "corpora" / "aeb" / "ground-truth.json"
GOVCN = SHARED / "corpora" / "govcn"
REAL = ROOT / "tests" / "data" / "topics_real"
PASSAGES = ROOT / "tests" / "data" / "topics"
BASELINE = REAL / "baseline_topics.toml"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def corpus(size: int) -> list[str]:
    """`size` texts of about 3 kB (UTF-8), English and Chinese, cycled.

    Real pages are excerpts (about 2 kB), so consecutive texts are joined and cut at 3,000 English
    characters or 1,000 Chinese ones (about 3 kB): every article is article-length.
    """
    english = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds" / "press").glob("*.txt"))]
    real = [p.read_text(encoding="utf-8") for p in sorted((REAL / "texts").glob("*.txt"))]
    english += [t for t in real if not _CJK.search(t)]
    if AEB.is_file():
        english += [v["articleBody"] for v in json.loads(AEB.read_text(encoding="utf-8")).values()]
    texts = []
    for joined, step in (
        ("\n\n".join(english), 3000),
        ("\n\n".join(t for t in real if _CJK.search(t)), 1000),
    ):
        texts += [joined[i : i + step] for i in range(0, len(joined) - step, step)]
    return (texts * (size // len(texts) + 1))[:size]


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, float]:
    """The shortest wall time and the shortest CPU time of this process over `repeat` calls of `run`.

    On a shared machine the wall time includes waiting for a core; the CPU time does not.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def speed(articles: int, repeat: int) -> dict[str, float]:
    """Seconds per 1,000 articles for `classify` and `extract_measures`, and the mean article size."""
    rules, texts = load_rules(), corpus(articles)
    classify_s = best_of(repeat, lambda: [classify("", t, rules) for t in texts])
    measures_s = best_of(repeat, lambda: [extract_measures("b", "", t, rules) for t in texts])
    per_1000 = 1000 / len(texts)
    return {
        "articles": len(texts),
        "mean_bytes": sum(len(t.encode()) for t in texts) / len(texts),
        "classify_seconds_per_1000": classify_s[0] * per_1000,
        "classify_cpu_seconds_per_1000": classify_s[1] * per_1000,
        "measures_seconds_per_1000": measures_s[0] * per_1000,
        "measures_cpu_seconds_per_1000": measures_s[1] * per_1000,
        "loadavg": os.getloadavg()[0],
    }


def figures(report: Report) -> dict[str, Any]:
    """The report as plain numbers: macro-F1, lowest precision, per topic P/R/F1/support."""
    return {
        "macro_f1": round(report.macro_f1, 4),
        "min_precision": round(min(t.precision for t in report.topics if t.support or t.false_positives), 4),
        "passages": report.passages,
        "topics": {
            t.topic: [round(t.precision, 4), round(t.recall, 4), round(t.f1, 4), t.support]
            for t in report.topics
        },
    }


def quality(rules: Rules, baseline: Rules) -> dict[str, Any]:
    """Figures of the rules and of the baseline on every split and language of the real set."""
    out: dict[str, Any] = {}
    for split in ("dev", "test"):
        for language in (None, "en", "zh"):
            labels = read_labels(REAL / "labels.csv", split, language)
            key = f"{split}_{language or 'all'}"
            out[key] = figures(evaluate(labels, rules))
            out[key + "_baseline"] = figures(evaluate(labels, baseline))
    for name in ("labels", "labels_holdout"):
        labels = read_labels(PASSAGES / f"{name}.csv")
        out[f"passages_{name}"] = figures(evaluate(labels, rules))
        out[f"passages_{name}_baseline"] = figures(evaluate(labels, baseline))
    return out


def print_quality(found: dict[str, Any]) -> None:
    """Per-topic tables: now vs baseline, per split and language."""
    for key in [k for k in found if not k.endswith("_baseline")]:
        now, old = found[key], found[key + "_baseline"]
        print(
            f"  {key} ({now['passages']} pages): macro-F1 {now['macro_f1']:.3f} (baseline {old['macro_f1']:.3f})"
        )
        for topic, (p, r, f, n) in now["topics"].items():
            bp, br, bf, _ = old["topics"][topic]
            print(
                f"    {topic:<11} P {p:.3f} R {r:.3f} F1 {f:.3f} n={n:<3}  baseline P {bp:.3f} R {br:.3f} F1 {bf:.3f}"
            )


def govcn_text(path: Path) -> str:
    """The body of a govcn document (`td#UCAP-CONTENT`), one paragraph a line."""
    from lxml import html

    tree = html.fromstring(path.read_text(encoding="utf-8"))
    cells = tree.xpath('//td[@id="UCAP-CONTENT"]')
    lines = (" ".join(t.split()) for t in (cells[0] if cells else tree).itertext())
    return "\n".join(line for line in lines if line)


def govcn(rules: Rules) -> list[dict[str, str]]:
    """Each govcn document's label, the topics given and their evidence (empty when the corpus is absent)."""
    if not GOVCN.is_dir():
        return []
    with (REAL / "govcn_labels.csv").open(encoding="utf-8", newline="") as handle:
        labels = {row["file"]: row["topics"] for row in csv.DictReader(handle)}
    with (GOVCN / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        titles = {f"content_{row['id']}.html": row["title"] for row in csv.DictReader(handle)}
    rows = []
    for name, label in labels.items():
        topics = classify(titles.get(name, ""), govcn_text(GOVCN / name), rules)
        given = ";".join(sorted(t.topic for t in topics))
        why = " | ".join(f"{t.topic} {t.score:.2f}: {', '.join(t.evidence[:6])}" for t in topics)
        rows.append({"file": name, "title": titles.get(name, ""), "label": label, "given": given, "why": why})
    return rows


def run(articles: int = 1000, repeat: int = 5) -> dict[str, Any]:
    """Print the quality figures, the govcn table and the speed; return them as figures."""
    rules = load_rules()
    print("== topics: real pages (tests/data/topics_real) and passage sets, now vs baseline", flush=True)
    found = quality(rules, load_rules(BASELINE))
    print_quality(found)
    print("== topics: govcn (19 State Council documents), label vs given", flush=True)
    rows = govcn(rules)
    for row in rows:
        mark = "ok  " if row["label"] == row["given"] else "DIFF"
        print(f"  {mark} {row['file']} label [{row['label']}] given [{row['given']}] {row['why']}")
    if not rows:
        print(f"  (no corpus at {GOVCN})")
    timing = speed(articles, repeat)
    print(
        f"== topics: speed, {timing['articles']} articles, mean {timing['mean_bytes']:,.0f} bytes", flush=True
    )
    for name in ("classify", "measures"):
        print(f"  {name:<9} {timing[name + '_seconds_per_1000']:.3f} s per 1,000 articles (wall), "
              f"{timing[name + '_cpu_seconds_per_1000']:.3f} s CPU; load average {timing['loadavg']:.1f}")  # fmt: skip
    return {
        "topics_test_macro_f1": found["test_all"]["macro_f1"],
        "topics_test_min_precision": found["test_all"]["min_precision"],
        "topics_classify_cpu_seconds_per_1000": timing["classify_cpu_seconds_per_1000"],
        "topics": found,
        "topics_govcn_agree": sum(r["label"] == r["given"] for r in rows),
        "topics_govcn": rows,
        "topics_speed": timing,
    }


def main() -> None:
    """Run the topic benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    run(args.articles, args.repeat)


if __name__ == "__main__":
    main()
