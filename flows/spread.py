"""Where a reparse or backfill turns its batches into loadable ones: threads, local processes or Dask.

Each batch of archived documents is one `rebuild` task (parse within the budgets, then prepare:
clean, duplicates, topics, measures, sketches), which is pure; the flow's own process stays the one
loader and loads the batches in archive order, whatever order they finish in, so every way of
running gives the same warehouse (`tests/test_reparse_spread.py` compares them, a Dask cluster
included). The task runner decides where the tasks run:

- `threads` (the default): in this process, parsing in its pool of budgeted workers (flows.parallel);
- `processes=N`: Prefect's ProcessPoolTaskRunner, N processes on this machine;
- `dask=ADDRESS`: prefect-dask's DaskTaskRunner on the Dask cluster at ADDRESS (`tcp://host:8786`),
  or `dask="local:N"` for a LocalCluster of N worker processes started for the run.

In a process of its own a batch parses in one budget worker (a child process); Dask's worker
processes are daemons by default and may not have children, so there a batch parses in place
without the time budget unless the workers run with `distributed.worker.daemon: False` (the local
cluster here does).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.parallel import extract_attachments, parse_all
from parsers.classify.topics import load_rules
from parsers.model import Attachment, AttachmentLink, Document, Source
from parsers.pipeline import Batch, prepare


@dataclass(frozen=True)
class Work:
    """One batch to rebuild: a source's archived pages and their archived annexes."""

    source: Source
    documents: list[Document]
    annexes: list[tuple[AttachmentLink, Document]] = field(default_factory=list)


def task_runner(processes: int | None = None, dask: str | None = None) -> TaskRunner[Any]:
    """The task runner for a reparse's batches (see the module doc)."""
    if dask:
        from dask import config as dask_config
        from prefect_dask import DaskTaskRunner

        if dask.startswith("local"):
            workers = int(dask.partition(":")[2] or 2)
            dask_config.set({"distributed.worker.daemon": False})  # a parse budget needs a child process
            kwargs = {
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
            return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=kwargs)
        return DaskTaskRunner(address=dask)
    if processes:
        return ProcessPoolTaskRunner(max_workers=processes)
    return ThreadPoolTaskRunner(max_workers=1)


def ahead(processes: int | None = None, dask: str | None = None) -> int:
    """How many batches to keep in flight: two per worker (one running, one on its way)."""
    if dask:
        return 2 * int(dask.partition(":")[2] or 2) if dask.startswith("local") else 16
    return 2 * processes if processes else 2


def in_flow_process() -> bool:
    """Whether this is the flow's own process (threads), not a pool's or a cluster's worker."""
    return multiprocessing.parent_process() is None


@task(name="rebuild", task_run_name="rebuild-{source.id}", cache_policy=NO_CACHE)
def rebuild(
    source: Source,
    documents: list[Document],
    rules_path: str | None,
    annexes: list[tuple[AttachmentLink, Document]] | None = None,
) -> Batch:
    """Parse (pages, then annexes) and prepare one batch of archived documents (pure: no network, no warehouse)."""
    # in the flow's process: its parse pool, one worker per CPU; elsewhere one budget worker
    workers = None if in_flow_process() else 0 if multiprocessing.current_process().daemon else 1
    parsed = parse_all(source, documents, workers)
    texts = extract_attachments(source, annexes, workers) if annexes else []
    batch = prepare(source, parsed, load_rules(rules_path), [a for a in texts if isinstance(a, Attachment)])
    batch.failures += [a for a in texts if not isinstance(a, Attachment)]
    return batch


def in_order(items: Iterable[Batch | Work], rules_path: str | None, ahead: int) -> Iterator[Batch]:
    """Each Work rebuilt by a task, up to `ahead` in flight, and each ready Batch, in the order given."""
    pending: deque[Any] = deque()
    for item in items:
        if isinstance(item, Work):
            pending.append(rebuild.submit(item.source, item.documents, rules_path, item.annexes))
        else:
            pending.append(item)
        while len(pending) >= ahead or (pending and isinstance(pending[0], Batch)):
            yield _result(pending.popleft())
    while pending:
        yield _result(pending.popleft())


def _result(item: Any) -> Batch:
    return item if isinstance(item, Batch) else item.result()
