"""Building a `Batch` by hand for warehouse tests: the rows a loader test wants to write."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from parsers.classify.measures import Measure
from parsers.model import Article, Document, Failure
from parsers.pipeline import Batch, CrawlState, Sighting
from warehouse import load


def batch_of(
    articles: Sequence[Article],
    sightings: Sequence[Sighting] = (),
    failures: Sequence[Failure] = (),
    fetched: Sequence[Document] = (),
    measures: Sequence[Measure] = (),
) -> Batch:
    """A batch of these rows (its source: the first article's, document's or failure's)."""
    first = [
        *(a.source_id for a in articles),
        *(d.source_id for d in fetched),
        *(f.source_id for f in failures),
    ]
    return Batch(
        first[0] if first else "test",
        articles=list(articles),
        sightings=list(sightings),
        measures=list(measures),
        failures=list(failures),
        crawl=CrawlState(fetched=tuple(fetched)) if fetched else None,
    )


def load_rows(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    articles: Sequence[Article],
    sightings: Sequence[Sighting] = (),
    failures: Sequence[Failure] = (),
    fetched: Sequence[Document] = (),
    measures: Sequence[Measure] = (),
) -> load.LoadResult:
    """`warehouse.load.load` of `batch_of(...)`: one transaction."""
    return load.load(con, run_id, batch_of(articles, sightings, failures, fetched, measures))
