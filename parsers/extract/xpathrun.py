"""The running half of parsers.extract.xpathfast: compiled steps over lxml elements, unions, positions, and
the predicates as source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml.etree import Element


class Unsupported(ValueError):
    """The expression uses XPath outside the subset compiled here."""


def first_of(el: Any, names: frozenset[str]) -> str:
    """XPath's string of `@a|@b` on one element: the value of the one written first."""
    return next((v for k, v in el.attrib.items() if k in names), "")


def step(absolute: bool, name: str, preds: list[Any], env: dict[str, Any]) -> Callable[[Any], list[Any]]:
    """One `.//name[...]` (or `//`) step: its predicates (source over `el`, or 1 for `[1]`) compiled."""
    tags: tuple[Any, ...] = (Element,) if name == "*" else (name,)  # Element: no comments or PIs
    if name == "*" and preds and preds[0] != 1 and preds[0].tags:
        tags, preds = preds[0].tags, preds[1:]
    # the first predicate runs inside the loop over the elements (a comprehension, no call per
    # element); None stands for the positional [1]: the first match under each parent
    head = preds[0].source if preds and preds[0] != 1 else "True"
    rest = preds[1:] if preds and preds[0] != 1 else preds
    # `el.attrib` is false on an element without attributes (half a page's): one test instead of many
    guard = "el.attrib and " if preds and preds[0] != 1 and preds[0].needs else ""
    select = _compile(f"[el for el in elements if {guard}(g := el.get) and ({head})]", env)
    tests = [
        None if p == 1 else _compile(f"[el for el in elements if (g := el.get) and ({p.source})]", env)
        for p in rest
    ]

    # (key, child, string value) of each `child='value'` test of this step's predicates
    sources = " ".join([head, *(p.source for p in rest if p != 1)])
    wanted = [w for w in env.get("_parents_of", []) if f"_parents[{w[0]!r}]" in sources]

    def run(ctx: Any) -> list[Any]:
        root = ctx.getroottree().getroot()
        parents = {
            key: {c.getparent() for c in root.iter(child) if "".join(c.itertext()) == value}
            for key, child, value in wanted
        }
        elements = root.iter(*tags) if absolute else ctx.iterdescendants(*tags)
        found = select(elements, parents)
        for test in tests:
            found = _first_per_parent(found) if test is None else test(found, parents)
        return found

    return run


def _compile(comprehension: str, env: dict[str, Any]) -> Callable[[Any, dict[str, Any]], list[Any]]:
    namespace = dict(env)
    exec(f"def select(elements, _parents):\n    return {comprehension}\n", namespace)
    select: Callable[[Any, dict[str, Any]], list[Any]] = namespace["select"]
    return select


def _first_per_parent(found: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for el in found:
        parent = el.getparent()
        if parent not in seen:
            seen.add(parent)
            out.append(el)
    return out


def first(run: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    """`(...)[1]`: the first element found, in document order."""
    return lambda ctx: run(ctx)[:1]


def merge(paths: list[Callable[[Any], list[Any]]]) -> Callable[[Any], list[Any]]:
    """A union: the elements any path finds, once each, in document order."""
    if len(paths) == 1:
        return paths[0]

    def run(ctx: Any) -> list[Any]:
        found = {e for p in paths for e in p(ctx)}
        if len(found) < 2:
            return list(found)
        return [e for e in ctx.getroottree().getroot().iter() if e in found]

    return run


class Code:
    """A predicate as Python source over `el` (and `g = el.get`); `tags`: only `self::` tests; `needs`:
    true only of an element with some attribute (the step then skips elements without any first)."""

    def __init__(self, source: str, tags: tuple[str, ...] = (), needs: bool = False) -> None:
        self.source = source or f"el.tag in {tags!r}"
        self.tags = tags
        self.needs = needs


def string_of(tok: str) -> str:
    """The text of a string token (quotes removed)."""
    if len(tok) < 2 or tok[0] not in "'\"" or tok[-1] != tok[0]:
        raise Unsupported(f"expected a string, found {tok!r}")
    return tok[1:-1]
