"""Discovery: from a registered source to the documents to parse."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from parsers.files import read_files
from parsers.model import Document, Failure, Source


@task(
    name="discover",
    task_run_name="discover-{source.id}",
    retries=2,
    retry_delay_seconds=[2, 10],
    cache_policy=NO_CACHE,
)
def discover(source: Source) -> tuple[list[Document], list[Failure]]:
    """Find and read/fetch the source's documents."""
    if source.kind == "files":
        return read_files(source)
    return [], [
        Failure(source.id, source.url, "discover", f"source kind {source.kind!r} is not supported yet")
    ]
