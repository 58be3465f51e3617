"""The batch pipeline that `ingest` and `reparse` share: parsed documents in, a `Batch` to load out.

    parse (flows.parallel, worker processes) -> prepare: clean -> batch duplicates -> topics -> measures
    -> warehouse.load.load: known articles dropped, stories placed, everything written in one transaction

`prepare` is pure (no network, no warehouse). What needs the warehouse's history, which articles
are already stored and which story a new one joins, is done by the loader in the same transaction
that writes the batch, so it cannot race with another run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from parsers.classify.measures import Measure, annex_measures, extract_measures
from parsers.classify.topics import Rules, classify, paragraph_scores
from parsers.clean import clean_batch
from parsers.model import Article, Attachment, Document, Failure, Link, Source
from parsers.stories import neardup
from parsers.stories.hashing import split_batch_duplicates

PARAGRAPH_TOPIC_MIN = 0.1  # paragraph topic scores below this are not stored


@dataclass(frozen=True)
class Sighting:
    """One URL where an article was found: every cleaned article of a batch is one, repeats included."""

    url: str
    article_id: str
    source_id: str
    canonical_url: str = ""


@dataclass(frozen=True)
class CrawlState:
    """What the crawl must remember once a source's documents are loaded (written with its last batch)."""

    fetched: tuple[Document, ...] = ()  # documents that came over HTTP: their URLs become known
    index_pages: tuple[Document, ...] = ()  # changed index pages: validators for the next conditional GET
    failed: tuple[tuple[Link, str], ...] = ()  # links to retry later, with the reason


@dataclass(frozen=True)
class ArticleSketches:
    """MinHash sketches and exact-text keys of a batch's articles, row for row (parsers.stories.neardup)."""

    article_ids: tuple[str, ...]
    sketch: neardup.Sketch
    text_keys: tuple[str, ...]

    @classmethod
    def of(cls, articles: list[Article]) -> ArticleSketches:
        """Sketch the articles' clean texts."""
        texts = [a.clean_text for a in articles]
        keys = tuple(neardup.text_key(t) for t in texts)
        return cls(tuple(a.article_id for a in articles), neardup.sketch(texts), keys)

    def select(self, article_ids: list[str]) -> tuple[neardup.Sketch, list[str]] | None:
        """The sketches of these articles, in this order; None if one of them was not sketched here."""
        row = {a: i for i, a in reversed(list(enumerate(self.article_ids)))}
        if any(a not in row for a in article_ids):
            return None
        rows = [row[a] for a in article_ids]
        s = self.sketch
        return neardup.Sketch(s.sigs[rows], s.sizes[rows], s.leads[rows]), [self.text_keys[i] for i in rows]


@dataclass
class Batch:
    """One source's batch, ready to load: what the loader writes in one transaction."""

    source_id: str
    articles: list[Article] = field(default_factory=list)  # cleaned, unique within the batch, classified
    sightings: list[Sighting] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    crawl: CrawlState | None = None
    text_chars: list[int] = field(default_factory=list)  # clean text length of every cleaned article
    # MinHash sketches of `articles`, row for row (pure work done here, so the loader only joins them
    # with the history); None: the loader sketches the articles itself.
    sketches: ArticleSketches | None = None
    attachments: list[Attachment] = field(default_factory=list)  # annexes' text, with their article's id

    @property
    def cleaned(self) -> int:
        """How many articles came out of cleaning (repeats within the batch included)."""
        return len(self.sightings)


def classify_batch(articles: Iterable[Article], rules: Rules) -> list[Article]:
    """Each article with its topics (and the evidence that fired) and its paragraphs' topics."""
    return [
        replace(
            a,
            topics=classify(a.title, a.clean_text, rules),
            paragraph_topics=tuple(
                p for p in paragraph_scores(a.clean_text, rules) if p[1].score >= PARAGRAPH_TOPIC_MIN
            ),
        )
        for a in articles
    ]


def prepare(
    source: Source, parsed: Iterable[Article | Failure], rules: Rules, attachments: Iterable[Attachment] = ()
) -> Batch:
    """Clean, drop repeats within the batch, classify and split out measures: a batch to load.

    `attachments` are the annexes of the batch's pages (by `page_url`): each is kept with the id of
    its page's article, and their HS codes and places join that article's measures.
    """
    parsed = list(parsed)
    articles = [p for p in parsed if isinstance(p, Article)]
    failures = [p for p in parsed if isinstance(p, Failure)]
    cleaned, clean_failures = clean_batch(source, articles)
    unique, _repeats = split_batch_duplicates(cleaned)
    classified = classify_batch(unique, rules)
    article_of = {a.url: a.article_id for a in cleaned}
    annexes = [replace(x, article_id=article_of[x.page_url]) for x in attachments if x.page_url in article_of]
    measures = [
        m
        for a in classified
        for m in annex_measures(
            extract_measures(a.article_id, a.title, a.clean_text, rules, a.issuer_canonical or source.issuer),
            a.article_id,
            a.title,
            a.clean_text,
            [x.text for x in annexes if x.article_id == a.article_id],
            rules,
            a.issuer_canonical or source.issuer,
        )
    ]
    return Batch(
        source.id,
        articles=classified,
        sightings=[Sighting(a.url, a.article_id, a.source_id, a.canonical_url) for a in cleaned],
        measures=measures,
        failures=failures + clean_failures,
        text_chars=[len(a.clean_text) for a in cleaned],
        sketches=ArticleSketches.of(classified),
        attachments=annexes,
    )


def _issuer(article: Article) -> str | None:
    """The issuer measures default to: the document's first issuing body (`GACC; MOA` -> GACC)."""
    return article.issuer_canonical.split("; ")[0] if article.issuer_canonical else None
