"""A large HTML batch parsed in worker processes gives exactly what parsing in this process gives."""

import gzip
from datetime import datetime

from conftest import ROOT
from flows.parallel import PARALLEL_PARSE_MIN, parse_all
from parsers.model import Document, Source

PAGES = sorted((ROOT / "tests" / "data" / "aeb").glob("*.html.gz"))


def test_worker_processes_give_the_same_articles_in_the_same_order(monkeypatch):
    source = Source("web", "Web", "feed", "http://127.0.0.1/feed", parser="html", local=True)
    bodies = [gzip.decompress(p.read_bytes()) for p in PAGES]
    docs = [
        Document(
            "web", f"http://127.0.0.1/a{i}.html", bodies[i % len(bodies)], datetime(2026, 1, 1), "text/html"
        )
        for i in range(PARALLEL_PARSE_MIN)
    ] + [Document("web", "http://127.0.0.1/empty.html", b"<html></html>", datetime(2026, 1, 1), "text/html")]

    monkeypatch.setenv("TRADEWIRE_PARSE_WORKERS", "2")
    pooled = parse_all(source, docs)
    monkeypatch.setenv("TRADEWIRE_PARSE_WORKERS", "0")  # in this process
    serial = parse_all(source, docs)

    assert pooled == serial
    assert [getattr(r, "url", None) for r in pooled[:-1]] == [d.url for d in docs[:-1]]
    assert getattr(pooled[-1], "stage", None) == "parse"  # the empty page is a failure, not a crash
