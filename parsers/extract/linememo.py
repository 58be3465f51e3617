"""Readings of a host's repeated lines, kept per host: its boilerplate costs a look-up on later pages.

The official-document reading (`parsers.extract.official`) runs pure functions of one line (a label?
a document number? a date alone?) over every block of a page. A site prints the same navigation,
footer and sidebar blocks on page after page (on the same-host set, 73% of a later page's block
lines were already on an earlier page of its host), so each host keeps what those functions said of
each line it has seen, and the same line costs a dictionary look-up the next time. The functions are
pure, so the results are exactly those without the memo; their values are only read, never changed.

`using(memo)` makes a memo the current one (a context variable: each thread, each parse worker its
own); without one the functions simply run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING = object()
GENERATION = 4_000  # readings per host and generation: bounded memory, a host's boilerplate stays


class Memo:
    """One host's readings, in two generations: what is read again moves to the young one, and when that is
    full the old one is forgotten, so lines seen on page after page stay and a page's own lines go."""

    def __init__(self) -> None:
        self.young: dict[tuple[str, str], Any] = {}
        self.old: dict[tuple[str, str], Any] = {}

    def read(self, key: tuple[str, str], fn: Callable[[str], T]) -> T:
        """The reading of `key` (function name, line), computed by `fn` if neither generation has it."""
        value: T = self.young.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = self.old.pop(key, _MISSING)
        if value is _MISSING:  # a line this host has not shown before (an exception here cost 5%)
            value = fn(key[1])
        if len(self.young) >= GENERATION:
            self.old, self.young = self.young, {}
        self.young[key] = value
        return value


_current: ContextVar[Memo | None] = ContextVar("linememo", default=None)


@contextmanager
def using(memo: Memo | None) -> Iterator[None]:
    """Within the block, the `cached` functions read and fill `memo` (None: no memo)."""
    token = _current.set(memo)
    try:
        yield
    finally:
        _current.reset(token)


def cached(fn: Callable[[str], T]) -> Callable[[str], T]:
    """`fn` (a pure function of one line) answered from the current memo when it has seen the line."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    def reading(line: str) -> T:
        memo = _current.get()
        if memo is None:
            return fn(line)
        key = (name, line)
        value = memo.young.get(key, _MISSING)  # a host's boilerplate: the common case, without a call
        return memo.read(key, fn) if value is _MISSING else value

    reading.__doc__, reading.__name__, reading.__qualname__ = fn.__doc__, fn.__name__, fn.__qualname__
    return reading
