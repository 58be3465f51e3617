"""The data that flows through tradewire: frozen dataclasses, no behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

SOURCE_KINDS = ("files", "feed", "listing", "sitemap")
PARSER_NAMES = ("text", "html")  # the keys of parsers.extract.documents.PARSERS (a test keeps them equal)
SELECTOR_NAMES = ("item", "link", "title", "date", "next")  # what parsers/extract/listing.py looks up
TOPICS = ("logistics", "customs", "resumption", "finance")


@dataclass(frozen=True)
class Source:
    """One registered source, validated from `seeds/sources.toml`."""

    id: str
    name: str
    kind: str
    url: str
    parser: str = "text"
    enabled: bool = True
    profiles: tuple[str, ...] = ("default",)
    allowed_hosts: tuple[str, ...] = ()
    language: str = "en"
    encoding: str | None = None
    min_interval: float | None = None
    max_concurrency: int | None = None
    local: bool = False
    ca_bundle: Path | None = None  # PEM certificates trusted for this source's hosts, on top of the CA store
    article_pattern: str | None = None  # regex an article URL of this source matches (tradewire doctor)
    no_sample: str | None = None  # why there is no recorded page of this source (the goldens test)
    max_bytes: int = 5_000_000
    selectors: tuple[tuple[str, str], ...] = ()
    max_pages: int = 1
    max_items: int = 200
    official: bool = False  # a ministry, customs or city government: preferred as a story's representative
    issuer: str | None = None  # the body that issues what this source publishes (measures default to it)
    timezone: str = "Asia/Shanghai"
    sample: Path | None = None
    watch: bool = False  # urgent: its index is polled by the `watch` deployment, not by scheduled ingests
    poll_min_minutes: float = 10.0  # bounds of the adaptive interval between scheduled ingests
    poll_max_minutes: float = 1440.0
    attachments: bool = (
        False  # fetch a page's annexes (附件: PDF, XLS/XLSX, DOCX); registry default: official
    )

    def selector(self, name: str) -> str | None:
        """The CSS selector registered under `name` (listing sources), or None."""
        return dict(self.selectors).get(name)


@dataclass(frozen=True)
class Link:
    """One article link found by an index (feed item, listing entry, sitemap entry, retry frontier).

    What the index said about the article before its page was fetched: the hints the extractor
    prefers (title, date) and stores with their origin (`via`: feed | listing | sitemap).
    """

    url: str
    title: str | None = None
    published: datetime | None = None
    date_text: str | None = None
    summary: str | None = None
    modified: datetime | None = None  # a sitemap's <lastmod>
    via: str = "feed"
    attempts: int = 0  # failed fetches so far (the retry frontier)


@dataclass(frozen=True)
class Document:
    """Raw bytes of one discovered item, before parsing, with the link that led to it (if any)."""

    source_id: str
    url: str
    body: bytes
    fetched_at: datetime
    content_type: str = "text/plain"
    encoding: str | None = None
    link: Link | None = None
    final_url: str | None = None  # after redirects
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Failure:
    """Something that went wrong with one item or one source; stored as a row, never raised."""

    source_id: str
    url: str
    stage: str
    reason: str


@dataclass(frozen=True)
class TopicScore:
    """One topic assigned to an article, with the terms that made it fire."""

    topic: str
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """A parsed (and later cleaned, hashed, classified) article."""

    source_id: str
    url: str
    title: str
    raw_text: str
    paragraphs: tuple[str, ...]
    title_source: str = "headline"
    published_at: datetime | None = None
    date_text: str | None = None
    date_source: str | None = None
    agency: str | None = None
    author: str | None = None
    language: str = "en"
    clean_text: str = ""
    content_hash: str = ""
    topics: tuple[TopicScore, ...] = field(default=())
    canonical_url: str = ""
    official: bool = False
    story_id: str = ""
    paragraph_topics: tuple[tuple[int, TopicScore], ...] = field(default=())
    document_no: str | None = None  # 发文字号 / announcement number of an official document, as written
    issuer: str | None = None  # 发文机关 as written
    issuer_canonical: str | None = None  # its name in seeds/gazetteer.toml
    written_at: date | None = None  # 成文日期

    @property
    def article_id(self) -> str:
        """Stable id: the first 16 hex digits of the content hash."""
        return self.content_hash[:16]


@dataclass(frozen=True)
class AttachmentLink:
    """An annex (附件, Annex, Attachment) linked from an article page, before it is fetched."""

    page_url: str  # the article page that links it
    url: str
    name: str  # the file name: the URL's last path segment, else the link text
    label: str = ""  # the link text as written


@dataclass(frozen=True)
class Attachment:
    """An annex's extracted text, with what identifies the file; `article_id` is set by `prepare`."""

    page_url: str
    url: str
    name: str
    media_type: str
    text: str
    sha256: str
    size: int
    fetched_at: datetime
    article_id: str = ""
