"""Per-host templates: a site's article frame, learned from its pages, so later pages cost less.

A site's article pages share a template: the precision pass ends up taking its text from the
same content frame (`<td id="UCAP-CONTENT">`, `<div class="article-body">`) on page after page,
after walking, cleaning and pruning the whole page (navigation, footers, sidebars) to find it.
Once the full pass has found the same frame on `LEARN_AFTER` page(s) of a host in a row, the next
pages of that host are extracted from that frame alone: the frame is cut out of the parsed page
and the same precision pass runs on it, the page's metadata still read from the whole page.

That gives the full pass's text when the full pass would find this frame first and read nothing
outside it, so the template is used only then: the page has exactly one such element, with no form
in it (trafilatura weighs a form against the whole page's text), and on the frame the pass neither
recovers stray paragraphs elsewhere nor asks readability/justext (both read the whole page);
otherwise the page gets the full pass. A result that looks off (under 1,000 characters or at most
3 paragraphs: `precision.doubtful`) makes the pass ask readability and justext, which read the whole
page, so such a page gets the full pass too. Where the pages a template was learned from had no
byline for trafilatura's author search (their meta tags named no author and the search found none),
the template's pages skip that search. Every `CHECK_EVERY`-th page of a host with a template gets
the full pass and the byline search beside it; if the text differs, or the search finds a byline,
the template is dropped (counted, with why), and that page keeps the full pass's results: a
layout change is caught, never carried on silently.

A host whose last page needed trafilatura's recovery of stray paragraphs (the gov.cn documents, whose
text is not in one frame) has its next page's cleaned tree copied before the frame search, so the
recovery needs no second parse and cleaning of the page (the same tree: the same text either way).

Each host also keeps the official-document reading's results for the lines it has seen
(`parsers.extract.linememo`): its navigation and footer blocks, read once, cost a look-up after.

The templates live in the parsing process (each parse worker learns its own); `TEMPLATES.stats()`
says how often each path ran.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml.etree import SubElement
from lxml.html import HtmlElement, document_fromstring

from parsers.extract.linememo import Memo

Frame = tuple[str, str | None, str | None]  # tag, id, class
LEARN_AFTER = 1  # the template pass gives the full pass's text by construction; CHECK_EVERY verifies it
CHECK_EVERY = 10


@dataclass
class _Host:
    frame: Frame | None = None  # the learned template
    candidate: Frame | None = None  # the frame of the last full passes
    streak: int = 0
    since_check: int = 0
    lines: Memo = field(default_factory=Memo)  # readings of its repeated lines (parsers.extract.linememo)
    bylines: set[bool | None] = field(default_factory=set)  # the byline searches of the candidate's pages
    no_byline: bool = False  # the pages the template was learned from had no byline to find
    recovers: bool = False  # its last full pass recovered stray paragraphs (gov.cn documents do)


@dataclass(frozen=True)
class Plan:
    """How to extract a page of a host with a template: from its frame; the full pass beside it if `check`;
    without the byline search if `skip_byline` (the template's pages had none, and this is no check)."""

    frame: Frame
    check: bool
    skip_byline: bool


@dataclass
class Templates:
    """What has been learned per host, and counts of how pages were extracted."""

    learn_after: int = LEARN_AFTER
    check_every: int = CHECK_EVERY
    hosts: dict[str, _Host] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, url: str) -> Memo:
        """The memo of line readings of this page's host."""
        with self.lock:
            return self.hosts.setdefault(host_of(url), _Host()).lines

    def plan(self, url: str) -> Plan | None:
        """How to extract this page by its host's template (None: no template); every `check_every`-th
        page of a host with a template is a check."""
        with self.lock:
            host = self.hosts.get(host_of(url))
            if host is None or host.frame is None:
                return None
            host.since_check += 1
            check = host.since_check >= self.check_every
            if check:
                host.since_check = 0
            return Plan(host.frame, check, host.no_byline and not check)

    def expects_no_byline(self, url: str) -> bool:
        """Whether this host's template skips the byline search."""
        with self.lock:
            host = self.hosts.get(host_of(url))
            return host is not None and host.no_byline

    def recovers(self, url: str) -> bool:
        """Whether the last full pass on this host recovered stray paragraphs (the next may keep a backup)."""
        with self.lock:
            host = self.hosts.get(host_of(url))
            return host is not None and host.recovers

    def observe(
        self, url: str, frame: Frame | None, byline: bool | None = None, recovered: bool = False
    ) -> None:
        """After a full pass: the frame it took the text from (None: no learnable frame), and whether the
        byline search found an author (None: not searched, the page's meta tags named one)."""
        with self.lock:
            host = self.hosts.setdefault(host_of(url), _Host())
            host.recovers = recovered
            if frame is None or frame[1:] == (None, None) or frame != host.candidate:
                host.candidate, host.streak = frame, (1 if frame is not None else 0)
                host.bylines.clear()
            else:
                host.streak += 1
            host.bylines.add(byline)
            if host.frame is None and host.candidate is not None and host.streak >= self.learn_after:
                host.frame, host.no_byline = host.candidate, host.bylines == {False}
                self.counts["learned"] += 1

    def drop(self, url: str, why: str = "text") -> None:
        """The check found another `why` (text, byline) than the template gave: forget the host's template."""
        with self.lock:
            self.hosts[host_of(url)] = _Host()
            self.counts["dropped"] += 1
            self.counts[f"dropped_{why}"] += 1

    def count(self, what: str) -> None:
        """Count one page extracted by `what` (template, full, checked, fallback)."""
        with self.lock:
            self.counts[what] += 1

    def stats(self) -> dict[str, int]:
        """The counts, and how many hosts have a template now."""
        with self.lock:
            return {
                **self.counts,
                "hosts_with_template": sum(h.frame is not None for h in self.hosts.values()),
            }

    def reset(self) -> None:
        """Forget everything (benchmarks start each run cold)."""
        with self.lock:
            self.hosts.clear()
            self.counts.clear()


def host_of(url: str) -> str:
    """The host a template belongs to."""
    return (urlsplit(url).hostname or "").lower()


def cut(tree: HtmlElement, frame: Frame) -> HtmlElement | None:
    """A document holding only the page's one element matching `frame` (moved out of `tree`), or None."""
    tag, ident, cls = frame
    found = [e for e in tree.iter(tag) if e.get("id") == ident and e.get("class") == cls]
    if len(found) != 1 or next(found[0].iter("form"), None) is not None:
        return None
    root = document_fromstring("<html><body></body></html>")
    body: Any = root.find("body")
    if body is None:  # pragma: no cover - lxml always makes one
        body = SubElement(root, "body")
    element = found[0]
    element.tail = None  # the text after the frame is outside it
    body.append(element)
    return root


TEMPLATES = Templates()
