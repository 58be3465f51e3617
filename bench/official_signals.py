"""Trade signals on official documents that are mostly not about foreign trade (issue 13).

Data: the 60 real gov.cn State Council documents of tests/data/official (govcn: the 19 of
../shared/corpora/govcn; govcn_extra: 41 more from the same public dump), labelled by hand in
`tests/data/official/trade_labels.csv`: `yes` when the document is about foreign trade, customs or
cross-border logistics (read from the title and the body's first paragraphs), `borderline` when a
trade rule sits inside a document about something else, `no` otherwise. Each document goes through
the product's own parse and `prepare` (clean, topics, measures) as `ingest` would run it, and we count
how often a customs or logistics topic, a measure, or a customs measure (the alerts' trigger) fires
on the `no` documents (false alarms) and on the `yes` ones.

    python -m bench.official_signals
"""

from __future__ import annotations

import csv
from typing import Any

from bench.official import DATA, govcn, govcn_extra, parse
from parsers.classify.measures import is_customs_measure
from parsers.classify.topics import load_rules
from parsers.model import Source
from parsers.pipeline import prepare

_SOURCE = Source(
    id="govcn", name="gov.cn", kind="listing", url="http://www.gov.cn/", parser="html", official=True
)


def signals() -> dict[str, Any]:
    """Per label: documents, and how many got a customs topic, a logistics topic, any measure, a customs measure."""
    with (DATA / "trade_labels.csv").open(encoding="utf-8") as f:
        labels = {row["id"]: row["foreign_trade"] for row in csv.DictReader(f)}
    rules = load_rules()
    table: dict[str, dict[str, int]] = {}
    fired: list[str] = []
    for golden in govcn() + govcn_extra():
        article = parse(golden)
        label = labels[golden.name.removeprefix("content_")]
        row = table.setdefault(
            label, dict.fromkeys(("documents", "customs", "logistics", "measures", "customs_measures"), 0)
        )
        row["documents"] += 1
        if article is None:
            continue
        batch = prepare(_SOURCE, [article], rules)
        topics = {t.topic for a in batch.articles for t in a.topics}
        customs_measures = [m for m in batch.measures if is_customs_measure(m)]
        for key, hit in (("customs", "customs" in topics), ("logistics", "logistics" in topics),
                         ("measures", bool(batch.measures)), ("customs_measures", bool(customs_measures))):  # fmt: skip
            row[key] += hit
        if label == "no" and ({"customs", "logistics"} & topics or customs_measures):
            fired.append(
                f"{golden.name} ({', '.join(sorted({'customs', 'logistics'} & topics)) or 'customs measure'})"
            )
    return {"table": table, "false_alarms": fired}


def main() -> None:
    """Print the table."""
    show(signals())


def show(found: dict[str, Any]) -> None:
    """Print the table of `signals()`."""
    print("  trade signals on 60 real gov.cn documents (label: documents; documents with each signal)")
    print(
        f"  {'label':<11}{'docs':>5}{'customs':>9}{'logistics':>11}{'measures':>10}{'customs measures':>18}"
    )
    for label in ("yes", "borderline", "no"):
        row = found["table"].get(label)
        if row:
            print(f"  {label:<11}{row['documents']:>5}{row['customs']:>9}{row['logistics']:>11}"
                  f"{row['measures']:>10}{row['customs_measures']:>18}")  # fmt: skip
    print("  false alarms on 'no' documents: " + ("; ".join(found["false_alarms"]) or "none"))


if __name__ == "__main__":
    main()
