"""Topic and measure benchmark: time `classify` and `extract_measures` on 1,000 articles of about 3 kB.

Data: the five seeds, the article bodies of `../shared/corpora/aeb` (English news, cut to 3,000
characters) and the Chinese passages of the topic dev set (joined to about 3 kB), cycled to 1,000
texts. Rules are loaded once, as the flow does. Prints the best of `--repeat` runs.

    python -m bench.topics [--articles N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from parsers.measures import extract_measures
from parsers.topics import classify, load_rules

ROOT = Path(__file__).resolve().parents[1]
AEB = ROOT.parent / "shared" / "corpora" / "aeb" / "ground-truth.json"


def corpus(size: int) -> list[str]:
    """`size` texts of about 3 kB (UTF-8), English and Chinese."""
    texts = [p.read_text(encoding="utf-8")[:3000] for p in sorted((ROOT / "seeds" / "press").glob("*.txt"))]
    if AEB.is_file():
        bodies = (v["articleBody"] for v in json.loads(AEB.read_text(encoding="utf-8")).values())
        texts += [b[:3000] for b in bodies if len(b) >= 3000]
    chinese = [
        p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "tests" / "data" / "topics" / "dev").glob("z*.txt"))
        if re.search(r"[\u4e00-\u9fff]", p.read_text(encoding="utf-8"))
    ]
    joined = "\n\n".join(chinese)
    texts += [joined[i : i + 1000] for i in range(0, len(joined) - 1000, 1000)]  # 1,000 CJK chars ~ 3 kB
    return (texts * (size // len(texts) + 1))[:size]


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The shortest wall time of `repeat` calls of `run`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print the time to classify and to extract measures from the corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rules, texts = load_rules(), corpus(args.articles)
    size = sum(len(t.encode()) for t in texts) / len(texts)
    classify_s = best_of(args.repeat, lambda: [classify("", t, rules) for t in texts])
    measures_s = best_of(args.repeat, lambda: [extract_measures("b", "", t, rules) for t in texts])
    print(f"{len(texts)} articles, mean {size:,.0f} bytes")
    print(f"classify:         {classify_s:.3f} s  ({classify_s / len(texts) * 1e6:.0f} µs per article)")
    print(f"extract_measures: {measures_s:.3f} s  ({measures_s / len(texts) * 1e6:.0f} µs per article)")


if __name__ == "__main__":
    main()
