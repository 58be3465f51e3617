"""trafilatura's XPath expressions run as Python over `lxml` elements: the same elements, faster.

trafilatura finds and prunes page sections with XPath 1.0 expressions testing each element's tag and
its class, id and a few other attributes (with EXSLT regular expressions). libxml2 evaluates them
at about 1 µs per element and expression; the same tests in Python over `iter(tags)` cost a third
of that. `compile_xpath` turns one expression of the subset trafilatura uses (below) into a callable
returning what `lxml.etree.XPath` returns (the elements, in document order); anything outside the
subset raises `Unsupported`, and `fast` then keeps the lxml expression. `tests/test_xpathfast.py`
checks every expression used against lxml on real pages.

Subset: `.//` and `//` steps with a name test or `*`, predicates (`or`, `and`, `not()`,
`self::tag`, `@a`, `@a='v'`, `@a|@b`, `contains`, `starts-with`, `translate`, `re:test`, a
relative `.//tag`, a child compared with a string), positions `[1]` in a step and `(...)[1]`, and
unions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from lxml.etree import XPath

from parsers.extract.xpathrun import Code as _Code
from parsers.extract.xpathrun import Unsupported as Unsupported
from parsers.extract.xpathrun import first, first_of, merge, step, string_of

_TOKEN = re.compile(
    r"\s*(\.//|//|::|\*|\(|\)|\[|\]|\||,|=|@|'[^']*'|\"[^\"]*\"|\d+|[A-Za-z_][\w\-]*(?::(?!:)[\w\-]+)?)"
)


def _tokens(text: str) -> list[str]:
    out, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise Unsupported(f"cannot read {text[pos : pos + 20]!r}")
        out.append(match.group(1))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    """Reads one expression; predicates become Python source over `el` (compiled once)."""

    def __init__(self, text: str) -> None:
        self.toks, self.i = _tokens(text), 0
        self.env: dict[str, Any] = {"_first_of": first_of}

    def peek(self, k: int = 0) -> str | None:
        return self.toks[self.i + k] if self.i + k < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise Unsupported(f"expected {expected!r}, found {tok!r}")
        self.i += 1
        return tok

    def const(self, value: Any) -> str:
        name = f"_c{len(self.env)}"
        self.env[name] = value
        return name

    def union(self) -> list[Callable[[Any], list[Any]]]:
        paths = [self.path()]
        while self.peek() == "|":
            self.take()
            paths.append(self.path())
        return paths

    def path(self) -> Callable[[Any], list[Any]]:
        if self.peek() == "(":
            self.take()
            inner = self.union()
            self.take(")")
            self.take("[")
            if self.take() != "1":
                raise Unsupported("only (...)[1]")
            self.take("]")
            return first(merge(inner))
        anchor = self.take()
        if anchor not in (".//", "//"):
            raise Unsupported(f"step {anchor!r}")
        name = self.take()
        preds: list[Any] = []
        while self.peek() == "[":
            self.take()
            if self.peek() == "1" and self.peek(1) == "]":
                self.take()
                preds.append(1)
            else:
                preds.append(self.orexpr())
            self.take("]")
        return step(anchor == "//", name, preds, self.env)

    def orexpr(self) -> _Code:
        parts = [self.andexpr()]
        while self.peek() == "or":
            self.take()
            parts.append(self.andexpr())
        if len(parts) > 1 and all(p.tags for p in parts):
            return _Code("", tuple(t for p in parts for t in p.tags))
        if len(parts) == 1:
            return parts[0]
        attributed = [p.source for p in parts if p.needs]
        if attributed and len(attributed) < len(parts):  # those tested only on elements with attributes
            rest = " or ".join(f"({p.source})" for p in parts if not p.needs)
            return _Code(f"(el.attrib and ({' or '.join(f'({a})' for a in attributed)})) or {rest}")
        return _Code(" or ".join(f"({p.source})" for p in parts), needs=bool(attributed))

    def andexpr(self) -> _Code:
        parts = [self.unary()]
        while self.peek() == "and":
            self.take()
            parts.append(self.unary())
        needs = any(p.needs for p in parts)
        return (
            parts[0] if len(parts) == 1 else _Code(" and ".join(f"({p.source})" for p in parts), needs=needs)
        )

    def unary(self) -> _Code:
        tok = self.peek()
        if tok == "not" and self.peek(1) == "(":
            self.take(), self.take()
            inner = self.orexpr()
            self.take(")")
            return _Code(f"not ({inner.source})")
        if tok == "(":
            self.take()
            inner = self.orexpr()
            self.take(")")
            return inner
        if tok == "self" and self.peek(1) == "::":
            self.take(), self.take()
            return _Code("", (self.take(),))
        if tok == ".//":
            self.take()
            return _Code(f"next(el.iterdescendants({self.take()!r}), None) is not None")
        if tok in ("contains", "starts-with", "re:test"):
            return self.function()
        if tok == "@":
            names = self.attributes()
            if self.peek() == "=":
                self.take()
                want = string_of(self.take())
                return _Code(" or ".join(f"g({n!r}) == {want!r}" for n in names), needs=True)
            if len(names) > 1:
                raise Unsupported("a union of attributes as a boolean")
            return _Code(f"g({names[0]!r}) is not None", needs=True)
        if tok is not None and tok[0].isalpha() and self.peek(1) == "=":  # a child's string value
            child, _, value = self.take(), self.take(), string_of(self.take())
            # the parents of such children, found once per run (xpathrun.step) and passed to the compiled
            # test as an argument (not a global: threads may run one expression on two pages at once)
            wanted = self.env.setdefault("_parents_of", [])
            key = f"p{len(wanted)}"
            wanted.append((key, child, value))
            return _Code(f"el in _parents[{key!r}]")
        raise Unsupported(f"predicate at {tok!r}")

    def attributes(self) -> tuple[str, ...]:
        names = []
        while True:
            self.take("@")
            names.append(self.take())
            if self.peek() != "|" or self.peek(1) != "@":
                return tuple(names)
            self.take()

    def value(self) -> tuple[str, str | None]:
        """Python source of a string value, and the attribute it reads alone (None if not just one)."""
        tok = self.peek()
        if tok == "@":
            names = self.attributes()
            if len(names) == 1:
                return f"(g({names[0]!r}) or '')", names[0]
            # XPath's string of a node-set is its first node in document order: for attributes of
            # one element, the one written first
            if len(names) == 2:  # one of the two present (the usual case) is the value, without a call
                a, b = names
                both = f"_first_of(el, {self.const(frozenset(names))})"
                return (
                    f"((g({b!r}) or '') if (_a := g({a!r})) is None else (_a if g({b!r}) is None else {both}))",
                    None,
                )
            return f"_first_of(el, {self.const(frozenset(names))})", None
        if tok == "translate":
            self.take(), self.take("(")
            inner, _ = self.value()
            self.take(",")
            source = string_of(self.take())
            self.take(",")
            table = self.const(str.maketrans(source, string_of(self.take())))
            self.take(")")
            return f"{inner}.translate({table})", None
        raise Unsupported(f"string value at {tok!r}")

    def function(self) -> _Code:
        name = self.take()
        self.take("(")
        subject, attribute = self.value()
        self.take(",")
        literal = string_of(self.take())
        flags = 0
        if self.peek() == ",":
            self.take()
            flags = re.IGNORECASE if "i" in string_of(self.take()) else 0
        self.take(")")
        if name == "contains":
            test = f"{literal!r} in {subject}"
            empty = literal == ""
        elif name == "starts-with":
            test = f"{subject}.startswith({literal!r})"
            empty = literal == ""
        else:
            pattern = re.compile(literal, flags)  # lxml's EXSLT re:test is re.search
            test = f"{self.const(pattern)}.search({subject}) is not None"
            empty = pattern.search("") is not None
        # without attributes every value read is "": a test false on "" needs one (`needs`)
        if attribute is not None and not empty:  # an absent attribute cannot match: skip the call
            return _Code(f"g({attribute!r}) is not None and {test}", needs=True)
        return _Code(test, needs=not empty)


class FastXPath:
    """A compiled expression: called on an element, the elements lxml's XPath would return."""

    def __init__(self, path: str) -> None:
        self.path = path
        parser = _Parser(path)
        self._run = merge(parser.union())
        if parser.peek() is not None:
            raise Unsupported(f"unread: {parser.peek()!r}")

    def __call__(self, ctx: Any) -> list[Any]:
        return self._run(ctx)

    def __str__(self) -> str:
        return self.path


def fast(expressions: Sequence[XPath]) -> list[Callable[[Any], list[Any]]]:
    """Each of trafilatura's compiled expressions as a FastXPath, or itself where outside the subset."""
    out: list[Callable[[Any], list[Any]]] = []
    for expression in expressions:
        try:
            out.append(FastXPath(expression.path))
        except Unsupported:
            out.append(expression)
    return out
