"""Parsing a large HTML batch in worker processes: the one CPU-heavy stage, spread over the CPUs."""

from __future__ import annotations

import logging
import logging.config
import logging.handlers
import math
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import repeat

from parsers.documents import parse_document
from parsers.model import Article, Document, Failure, Source

log = logging.getLogger(__name__)
# HTML parsing (trafilatura) is most of a run's CPU: a batch of at least this many HTML documents is
# parsed in worker processes, one per CPU (TRADEWIRE_PARSE_WORKERS overrides; 1 turns it off). Below
# it, starting workers costs more than it saves. On the 181 aeb pages (`make bench`, 2 CPUs): 2 workers
# parse 1.7-1.8x faster than this process alone, with identical results, when the second CPU is free;
# when other work keeps the CPUs busy they gain little (they share this process's CPU time).
PARALLEL_PARSE_MIN = 32


def parse_workers() -> int:
    """Processes for a large HTML batch: `TRADEWIRE_PARSE_WORKERS`, else the CPUs this process may use."""
    configured = os.environ.get("TRADEWIRE_PARSE_WORKERS", "").strip()
    if configured.isdigit():
        return max(1, int(configured))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def parse_all(source: Source, documents: list[Document]) -> list[Article | Failure]:
    """`parse_document` over the batch, in order; in worker processes when that pays."""
    workers = min(parse_workers(), len(documents) // (PARALLEL_PARSE_MIN // 2) or 1)
    if source.parser != "html" or len(documents) < PARALLEL_PARSE_MIN or workers < 2:
        return [parse_document(source, doc) for doc in documents]
    try:
        return _parse_in_pool(source, documents, workers)
    except (OSError, ImportError, BrokenProcessPool) as exc:  # no process support here, or a worker died
        log.warning("parsing in %d worker processes failed (%s); parsing in this process", workers, exc)
        return [parse_document(source, doc) for doc in documents]


def _parse_in_pool(source: Source, documents: list[Document], workers: int) -> list[Article | Failure]:
    # forkserver: workers fork from a clean single-threaded server that has imported the parsers (and
    # the main module, which every worker would otherwise import again) once per process; forking
    # this process instead could copy a lock held by one of Prefect's threads. Workers send their log
    # records back here, so warnings reach the same handlers as when parsing in this process.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_preload())
    records = context.Queue()
    listener = logging.handlers.QueueListener(records, _Redispatch())
    worker_logging = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"parent": {"class": "logging.handlers.QueueHandler", "queue": records}},
        "root": {"handlers": ["parent"], "level": logging.getLogger().getEffectiveLevel()},
    }
    # Largest pages first, in small chunks: no worker is left with a long page at the end.
    order = sorted(range(len(documents)), key=lambda i: -len(documents[i].body))
    chunk = math.ceil(len(documents) / (workers * 8))
    listener.start()
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=logging.config.dictConfig, initargs=(worker_logging,)
        ) as pool:
            done = pool.map(parse_document, repeat(source), [documents[i] for i in order], chunksize=chunk)
            results: list[Article | Failure] = [None] * len(documents)  # type: ignore[list-item]
            for i, result in zip(order, done, strict=True):
                results[i] = result
            return results
    finally:
        listener.stop()
        records.close()
        records.join_thread()


def _preload() -> list[str]:
    main = sys.modules.get("__main__")
    name = getattr(getattr(main, "__spec__", None), "name", None)  # `python -m name`: workers re-run it
    return ["__main__", *([name] if name else []), "parsers.documents", "logging.config", "logging.handlers"]


class _Redispatch(logging.Handler):
    """Hands a worker's log record to this process's logger of the same name."""

    def handle(self, record: logging.LogRecord) -> bool:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
        return True
