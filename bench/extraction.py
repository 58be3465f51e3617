"""Article-extraction benchmark: plain trafilatura vs `parsers.extract.html.extract_article`, same run.

Data: `../shared/corpora/aeb` (scrapinghub/article-extraction-benchmark: 181 pages, ground truth).
Metric as that benchmark's `evaluate.py` defines it: per page, the multisets of 4-token shingles
(tokens are `\\w+` matches) of truth and prediction give TP/FP/FN, normalised by their sum;
precision and recall are averaged over pages (a page counts only where the metric is defined),
and F1 = 2PR/(P+R) of those averages.

    python -m bench.extraction [--corpus DIR] [--limit N] [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from parsers.clean.press import clean_article
from parsers.extract.html import extract_article
from parsers.model import Source

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "aeb"
_TOKEN = re.compile(r"\w+")
Counts = tuple[float, float, float]


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; a text shorter than n tokens is one short shingle."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def page_counts(truth: str, prediction: str) -> Counts:
    """TP, FP, FN of shingles for one page, normalised to sum to 1 (all 0 if both are empty)."""
    true, pred = shingles(truth), shingles(prediction)
    tp = float(sum((true & pred).values()))
    fp = float(sum((pred - true).values()))
    fn = float(sum((true - pred).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    """Shingle precision of one page (1 if nothing was wrong, 0 if nothing was predicted right)."""
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    """Shingle recall of one page."""
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def score(counts: list[Counts]) -> dict[str, float]:
    """F1, precision and recall averaged over pages as the benchmark does."""
    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return {"f1": 2 * p * r / (p + r), "precision": p, "recall": r}


def load(corpus: Path, limit: int | None = None) -> list[tuple[str, str, str, str]]:
    """(id, url, html, true body) for each page, sorted by id."""
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((corpus / "html").glob("*.html.gz"))[:limit]:
        key = path.name.split(".", 1)[0]
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            pages.append((key, truth[key].get("url", ""), handle.read(), truth[key].get("articleBody", "")))
    return pages


def plain(html: str, url: str) -> str:
    """The benchmark's own trafilatura run: extract(html, include_comments=False)."""
    return trafilatura.extract(html, include_comments=False) or ""


def ours(html: str, url: str) -> str:
    """Our extraction path, as the pipeline calls it: extraction raw text (cleaning not included)."""
    article = extract_article(html, url, Source(id="aeb", name="aeb", kind="listing", url=url or "http://x/"))
    return article.raw_text if article is not None else ""


def ours_cleaned(html: str, url: str) -> str:
    """What the warehouse stores: extraction plus the spine's and the web-text cleaning (clean_text)."""
    article = extract_article(html, url, Source(id="aeb", name="aeb", kind="listing", url=url or "http://x/"))
    return clean_article(article).clean_text if article is not None else ""


def run(pages: list[tuple[str, str, str, str]], extractor: Callable[[str, str], str]) -> dict[str, float]:
    """Score and speed of one extractor over the pages."""
    start = time.perf_counter()
    predictions = [extractor(html, url) for _, url, html, _ in pages]
    seconds = time.perf_counter() - start
    result = score(
        [page_counts(truth, pred) for (_, _, _, truth), pred in zip(pages, predictions, strict=True)]
    )
    return {**result, "pages": len(pages), "seconds": seconds, "pages_per_s": len(pages) / seconds}


def main(argv: list[str] | None = None) -> None:
    """Run both extractors and print F1/P/R and pages/s."""
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every page it discards
    pages = load(args.corpus, args.limit)
    results = {
        "trafilatura.extract": run(pages, plain),
        "tradewire extract_article": run(pages, ours),
        "tradewire extract+clean": run(pages, ours_cleaned),
    }
    print(f"{len(pages)} pages from {args.corpus}")
    print(f"{'extractor':<28}{'F1':>7}{'P':>7}{'R':>7}{'pages/s':>9}")
    for name, r in results.items():
        print(f"{name:<28}{r['f1']:>7.3f}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['pages_per_s']:>9.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
