"""Discovery for `files` sources: the local-disk counterpart of `fetch.py`, its only file reader.

A `files` source's `url` is a directory (every visible file in it) or a glob pattern.
Files over the source's `max_bytes` are recorded as failures without being read.
"""

from __future__ import annotations

import glob
from datetime import datetime
from pathlib import Path

from parsers.model import Document, Failure, Source


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def list_files(source: Source) -> list[Path]:
    """The files a `files` source points at, sorted, hidden files skipped."""
    root = Path(source.url)
    paths = [p for p in root.iterdir()] if root.is_dir() else [Path(p) for p in glob.glob(source.url)]
    return sorted(p for p in paths if p.is_file() and not p.name.startswith("."))


def read_files(
    source: Source, known_urls: frozenset[str] = frozenset()
) -> tuple[list[Document], list[Failure]]:
    """Read every file of a `files` source as a Document; unreadable or oversized files become Failures."""
    documents: list[Document] = []
    failures: list[Failure] = []
    for path in list_files(source):
        url = path.resolve().as_uri()
        try:
            size = path.stat().st_size
            if size > source.max_bytes:
                reason = f"file is {_mb(size)}, over this source's limit of {_mb(source.max_bytes)}"
                failures.append(Failure(source.id, url, "discover", reason))
                continue
            body = path.read_bytes()
        except OSError as exc:
            failures.append(Failure(source.id, url, "discover", f"cannot read file: {exc.strerror or exc}"))
            continue
        documents.append(Document(source.id, url, body, datetime.now(), "text/plain", source.encoding))
    if not documents and not failures:
        failures.append(Failure(source.id, source.url, "discover", "no files found"))
    return documents, failures
