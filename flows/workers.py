"""A small pool of worker processes that runs calls under a wall-clock budget, in order.

Parsing hostile documents is CPU-bound C code (lxml, expat, regexes) that no signal or thread can
interrupt, so each call runs in a worker process; a worker still busy when its call's budget ends is
killed and replaced, and that call's result is an `Overrun` saying why. A worker that dies (a crash,
the kernel's OOM killer) gives an `Overrun` too. The rest of the calls go on.

The pool lives as long as this process (`POOL`): workers start once, at the first call, and then
serve every batch, each running one call at a time with the next one already sent, so the common
case costs a pickled document each way. A call's budget starts when the call before it ends.
Workers fork from a forkserver that has imported the parsers: no copy of this process's threads
(Prefect's) or locks. Their log records come back with each result and go to this process's loggers.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import multiprocessing
import os
import pickle
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

IN_FLIGHT = 2
PRELOAD = (
    "parsers.extract.documents",
    "parsers.extract.feeds",
    "parsers.extract.listing",
    "parsers.extract.sitemap",
)


@dataclass(frozen=True)
class Overrun:
    """A call that did not finish: over its budget, or its worker process died."""

    reason: str


@dataclass(frozen=True)
class Raised:
    """A call that raised; `error` is the exception (re-raised by `BoundedPool.call`)."""

    error: BaseException


class _Records(logging.handlers.QueueHandler):
    """Keeps a worker's log records, made picklable, until they go back with the result."""

    def __init__(self) -> None:
        super().__init__(None)  # type: ignore[arg-type]
        self.records: list[logging.LogRecord] = []

    def enqueue(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _serve(conn: Connection) -> None:
    """A worker's loop: run each call it is sent and send back the outcome and the log records."""
    handler = _Records()
    logging.getLogger().handlers[:] = [handler]
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
    # A reader thread takes the next call while this one runs: the parent's send never waits on a parse.
    threading.Thread(target=_read, args=(conn, inbox), daemon=True).start()
    while (message := inbox.get()) is not None:
        fn, args, level = message
        logging.getLogger().setLevel(level)
        handler.records = []
        try:
            outcome: Any = fn(*args)
        except Exception as exc:  # the caller decides: the outcome is the exception
            outcome = Raised(exc)
        try:
            conn.send((outcome, handler.records))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send((Raised(RuntimeError(f"unpicklable result: {exc}")), handler.records))


def _read(conn: Connection, inbox: queue.SimpleQueue[Any]) -> None:
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            message = None  # the parent is gone
        inbox.put(message)
        if message is None:
            return


class _Worker:
    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True, name="tradewire-parse")
        self.process.start()
        child.close()
        self.jobs: deque[int] = deque()  # calls sent, in order; the first is running
        self.deadline = 0.0  # of the first

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()
        self.process.close()


class BoundedPool:
    """Worker processes, started on first use, that run calls with a wall-clock budget each."""

    def __init__(self, preload: Sequence[str] = PRELOAD) -> None:
        self.preload = preload
        self.workers: list[_Worker] = []
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.context: Any = None

    def map(
        self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], workers: int, seconds: float
    ) -> list[Any]:
        """`fn(*args)` for each args, in order: its result, a `Raised` or an `Overrun`."""
        results: list[Any] = [None] * len(calls)
        todo = deque(range(len(calls)))
        level = logging.getLogger().getEffectiveLevel()
        with self.lock:
            pool = self._ready(max(1, min(workers, len(calls)))) if calls else []
            try:
                while todo or any(w.jobs for w in pool):
                    for i, worker in enumerate(pool):
                        # Two calls in flight: a worker never idles while this process is slow to wake.
                        while len(worker.jobs) < IN_FLIGHT and todo:
                            pool[i] = worker = self._send(worker, todo, (fn, level), calls, results, seconds)
                    self._collect(pool, results, todo, seconds)
            finally:  # interrupted (or an argument would not pickle): no worker keeps a stale call
                for worker in pool:
                    if worker.jobs:
                        self._replace(worker)
        return results

    def call(self, fn: Callable[..., Any], *args: Any, seconds: float) -> Any:
        """`fn(*args)` in a worker: its result (or its exception, raised here), or an `Overrun`."""
        (outcome,) = self.map(fn, [args], 1, seconds)
        if isinstance(outcome, Raised):
            raise outcome.error
        return outcome

    def _send(
        self,
        worker: _Worker,
        todo: deque[int],
        call: tuple[Any, int],
        calls: Sequence[Any],
        results: list[Any],
        seconds: float,
    ) -> _Worker:
        job = todo.popleft()
        message = (call[0], calls[job], call[1])
        try:
            worker.conn.send(message)
        except OSError:  # it died: its running call failed, a fresh one takes the others
            if worker.jobs:
                results[worker.jobs.popleft()] = self._died(worker)
            todo.extendleft(reversed(worker.jobs))
            worker.jobs.clear()
            worker = self._replace(worker)
            worker.conn.send(message)
        if not worker.jobs:
            worker.deadline = time.monotonic() + seconds
        worker.jobs.append(job)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop()
        fresh = self.workers[self.workers.index(worker)] = _Worker(self.context)
        return fresh

    def _collect(self, pool: list[_Worker], results: list[Any], todo: deque[int], seconds: float) -> None:
        busy = [w for w in pool if w.jobs]
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        for i, worker in enumerate(pool):
            if not worker.jobs:
                continue
            if worker.conn in ready:
                try:
                    outcome, records = worker.conn.recv()
                except (EOFError, OSError):
                    results[worker.jobs.popleft()] = self._died(worker)
                else:
                    results[worker.jobs.popleft()] = outcome
                    worker.deadline = time.monotonic() + seconds  # the next call has just started
                    _redispatch(records)
                    continue
            elif worker.process.sentinel in ready:
                results[worker.jobs.popleft()] = self._died(worker)
            elif time.monotonic() >= worker.deadline:
                overrun = Overrun(f"parse exceeded {seconds:g} s budget: worker process stopped")
                results[worker.jobs.popleft()] = overrun
            else:
                continue
            todo.extendleft(reversed(worker.jobs))  # calls sent behind it were never started
            worker.jobs.clear()
            pool[i] = self._replace(worker)

    @staticmethod
    def _died(worker: _Worker) -> Overrun:
        worker.process.join(1)
        code = worker.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return Overrun(f"parser process died ({how})")

    def _ready(self, count: int) -> list[_Worker]:
        if self.pid != os.getpid():  # a forked copy of this process: the workers are not its own
            self.workers, self.pid = [], os.getpid()
        if self.context is None:
            self.context = multiprocessing.get_context("forkserver")
            self.context.set_forkserver_preload(_preload(self.preload))
        while len(self.workers) < count:
            self.workers.append(_Worker(self.context))
        return self.workers[:count]

    def close(self) -> None:
        """Stop every worker (they also end with this process)."""
        with self.lock:
            for worker in self.workers:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
                worker.process.join(2)
                worker.stop()
            self.workers = []


def _redispatch(records: list[logging.LogRecord]) -> None:
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


def _preload(modules: Sequence[str]) -> list[str]:
    # "__main__": a script's main module is imported once in the forkserver (multiprocessing runs it
    # in every worker otherwise); under `python -m name` each worker runs `name` itself, its
    # imports already loaded here.
    return ["__main__", *modules, "logging.handlers"]


POOL = BoundedPool()
