"""`bench extract`: pages per second per core and F1, plain trafilatura beside tradewire, same run.

Three extractors over the same pages, in interleaved rounds (A, B, C, A, B, C, ...), each timed by
this process's CPU time (`time.process_time`: per core, whatever else the machine runs):
- `trafilatura.extract(html)` with its defaults (comments included),
- `trafilatura.extract(html, include_comments=False)`,
- tradewire's `parsers.extract.html.extract_article` (its raw text: what the cleaner receives).
The ratio to the default is the median over rounds of each round's ratio (the runs of one round
are next to each other in time, so other work on the machine moves both alike); pages/s per core
is from each extractor's fastest round. Each round starts tradewire's per-host templates cold (`parsers.extract.hosts`), so what a host's
first pages teach shows on its later pages within the round. F1 as `bench.extraction` defines it.

Sets (`../shared/corpora`, real pages only):
- `aeb`: the 181 pages of the article-extraction benchmark (126 hosts), its ground truth;
- `same-host`: pages that share a site: the 55 aeb hosts with two pages (110 pages, a host's pages
  one after the other) and the 19 www.gov.cn State Council documents (truth: the document body,
  `td#UCAP-CONTENT`, as the corpus README defines it). tradewire also runs with its templates off
  there (`tradewire_no_templates`), so the learning's share is seen apart;
- `same-host-plus`: the same-host set and the other 41 www.gov.cn policy documents of the same
  crawler dump (`tests/data/official/govcn_extra`, truth as for govcn): 170 pages, 60 of them of
  www.gov.cn (only timed here; nothing was tuned on them).
After the rounds, one more tradewire run with every templated page checked against the full pass
(`check_every=1`) says how often the check disagrees (`check_all`: pages checked, templates dropped).

    python -m bench.extract [--rounds 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura
from lxml import html as lxml_html

from bench import extraction
from parsers.extract import html as tw_html
from parsers.extract.hosts import TEMPLATES, host_of
from parsers.model import Source

GOVCN = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "govcn"
GOVCN_EXTRA = Path(__file__).resolve().parents[1] / "tests" / "data" / "official" / "govcn_extra"
Page = tuple[str, str, str, str]  # id, url, html, true body
_SOURCE = Source(id="bench", name="bench", kind="listing", url="http://bench.invalid/")


def same_host_pages() -> list[Page]:
    """The aeb pages of hosts with two or more pages (host by host), then the govcn documents."""
    by_host: dict[str, list[Page]] = defaultdict(list)
    for page in extraction.load(extraction.CORPUS):
        by_host[host_of(page[1])].append(page)
    pages = [p for host in sorted(by_host) if len(by_host[host]) > 1 for p in by_host[host]]
    texts = ((path.stem, path.read_text(encoding="utf-8")) for path in sorted(GOVCN.glob("content_*.html")))
    return pages + [_govcn(stem, text) for stem, text in texts]


def same_host_plus_pages() -> list[Page]:
    """The same-host set, then the 41 other www.gov.cn documents of tests/data/official/govcn_extra."""
    extra = sorted(GOVCN_EXTRA.glob("content_*.html.gz"))
    return same_host_pages() + [
        _govcn(path.name.split(".")[0], gzip.decompress(path.read_bytes()).decode("utf-8")) for path in extra
    ]


def _govcn(stem: str, text: str) -> Page:
    body = lxml_html.fromstring(text).xpath('//td[@id="UCAP-CONTENT"]')
    truth = " ".join(body[0].itertext()) if body else ""
    return f"govcn/{stem}", f"http://www.gov.cn/zhengce/content/{stem}.htm", text, truth


def trafilatura_default(html: str, url: str) -> str:
    """Plain trafilatura with its defaults."""
    return trafilatura.extract(html) or ""


def trafilatura_no_comments(html: str, url: str) -> str:
    """Plain trafilatura without comments (the aeb benchmark's own setting)."""
    return trafilatura.extract(html, include_comments=False) or ""


def tradewire(html: str, url: str) -> str:
    """tradewire's extraction (raw text), per-host templates on."""
    article = tw_html.extract_article(html, url, _SOURCE)
    return article.raw_text if article is not None else ""


EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "trafilatura_default": trafilatura_default,
    "trafilatura_no_comments": trafilatura_no_comments,
    "tradewire": tradewire,
}


def _round(pages: list[Page], fn: Callable[[str, str], str], templates: bool) -> tuple[float, list[str]]:
    TEMPLATES.reset()
    learn_after = TEMPLATES.learn_after
    if not templates:
        TEMPLATES.learn_after = 1 << 30
    try:
        start = time.process_time()
        out = [fn(html, url) for _, url, html, _ in pages]
        return time.process_time() - start, out
    finally:
        TEMPLATES.learn_after = learn_after


def compare(pages: list[Page], rounds: int, with_no_templates: bool = False) -> dict[str, Any]:
    """Every extractor over `pages`, rounds interleaved: best CPU seconds, pages/s per core, F1, P, R."""
    runs: dict[str, list[float]] = defaultdict(list)
    texts: dict[str, list[str]] = {}
    names = [*EXTRACTORS, *(["tradewire_no_templates"] if with_no_templates else [])]
    stats: dict[str, int] = {}
    for _ in range(rounds):
        for name in names:
            fn = EXTRACTORS.get(name, tradewire)
            seconds, texts[name] = _round(pages, fn, templates=name != "tradewire_no_templates")
            runs[name].append(seconds)
            if name == "tradewire":
                stats = TEMPLATES.stats()
    result: dict[str, Any] = {"pages": len(pages), "templates": stats}
    for name in names:
        counts = [extraction.page_counts(t, p) for (_, _, _, t), p in zip(pages, texts[name], strict=True)]
        best = min(runs[name])
        result[name] = {
            **extraction.score(counts),
            "cpu_seconds": runs[name],
            "pages_per_s": len(pages) / best,
        }
    result["check_all"] = _check_all(pages)
    for name in names:  # each round's ratio against the default's run next to it; their median
        ratios = [d / t for d, t in zip(runs["trafilatura_default"], runs[name], strict=True)]
        result[name]["vs_default"] = statistics.median(ratios)
        result[name]["vs_default_rounds"] = ratios
    return result


def _check_all(pages: list[Page]) -> dict[str, int]:
    """tradewire once more with every templated page checked against the full pass: checks, disagreements."""
    check_every = TEMPLATES.check_every
    TEMPLATES.check_every = 1
    try:
        _round(pages, tradewire, templates=True)
        stats = TEMPLATES.stats()
    finally:
        TEMPLATES.check_every = check_every
    return {"checked": stats.get("checked", 0), "dropped": stats.get("dropped", 0),
            **{k: v for k, v in stats.items() if k.startswith("dropped_")}}  # fmt: skip


def run(rounds: int = 3) -> dict[str, Any]:
    """The `bench extract` section: print both sets side by side, return the figures."""
    logging.disable(logging.WARNING)  # trafilatura logs every page it discards
    try:
        figures: dict[str, Any] = {}
        for label, pages, apart in (("aeb", extraction.load(extraction.CORPUS), False),
                                    ("same_host", same_host_pages(), True),
                                    ("same_host_plus", same_host_plus_pages(), True)):  # fmt: skip
            result = compare(pages, rounds, with_no_templates=apart)
            figures[f"extract_{label}"] = result
            print(
                f"  {label}: {result['pages']} pages, {rounds} interleaved rounds, CPU time of this process"
            )
            print(f"    {'extractor':<26}{'F1':>7}{'P':>7}{'R':>7}{'pages/s/core':>14}{'vs default':>12}")
            for name, r in result.items():
                if isinstance(r, dict) and "f1" in r:
                    print(f"    {name:<26}{r['f1']:>7.3f}{r['precision']:>7.3f}{r['recall']:>7.3f}"
                          f"{r['pages_per_s']:>14.1f}{r['vs_default']:>11.2f}x")  # fmt: skip
            print(f"    tradewire's per-host templates (last round): {result['templates']}")
            check = result["check_all"]
            print(
                f"    every templated page checked: {check['checked']} checks, {check['dropped']} disagreed {check}"
            )
            figures[f"extract_{label}_vs_default"] = result["tradewire"]["vs_default"]
            figures[f"extract_{label}_f1"] = result["tradewire"]["f1"]
        return figures
    finally:
        logging.disable(logging.NOTSET)


def main(argv: list[str] | None = None) -> None:
    """Print the section; optionally write its figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.extract", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    figures = run(args.rounds)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
