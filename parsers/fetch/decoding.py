"""Content decoding under one size budget: every Content-Encoding layer, and gzip inside a body.

A compressed layer can inflate a thousandfold, and a layer inside a layer a millionfold: 2 kB of
`Content-Encoding: gzip, gzip` hold gigabytes. So no layer is ever inflated whole: `Inflater` pushes
each piece of input through the layers in pieces of at most `CHUNK` bytes (zlib's `max_length`),
and counts what every layer puts out against one limit. Memory stays within the limit plus about a
chunk per layer, whatever the ratio; the first layer over the limit stops the decoding.

Supported: gzip (several members too), deflate (zlib-wrapped or raw, as servers send both) and
identity. Anything else raises `DecodeError` naming it: tradewire asks only for gzip and deflate.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

CHUNK = 65_536
GZIP_MAGIC = b"\x1f\x8b"
ACCEPTED = "gzip, deflate"  # the Accept-Encoding header: what `Inflater` decodes
_ALIASES = {"x-gzip": "gzip", "x-deflate": "deflate"}
_NESTED_MAX = 3  # gzip inside gzip inside gzip is already more than any real sitemap needs


class DecodeError(ValueError):
    """A body that cannot be decoded: an unsupported encoding or a corrupt stream."""


class OverBudgetError(ValueError):
    """A layer of the decoding chain put out more than the limit; `decoded` is the part kept."""

    def __init__(self, limit: int, decoded: bytes) -> None:
        super().__init__(f"decoded content exceeds {limit} bytes")
        self.limit, self.decoded = limit, decoded


def content_codings(values: Iterable[str]) -> list[str]:
    """The codings of Content-Encoding header values, in the order they were applied."""
    names = [part.strip().lower() for value in values for part in value.split(",")]
    return [_ALIASES.get(name, name) for name in names if name and name != "identity"]


class _Layer:
    """One incremental decompressor; `pieces` yields its output in slices of at most `CHUNK` bytes."""

    def __init__(self, coding: str) -> None:
        if coding not in ("gzip", "deflate"):
            raise DecodeError(f"unsupported Content-Encoding {coding!r} (tradewire accepts {ACCEPTED})")
        self.coding = coding
        self.first = True
        self.pending = False  # the last call filled its CHUNK: more output may wait inside zlib
        self.inflater = self._new()

    def _new(self, raw: bool = False) -> zlib._Decompress:
        if self.coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def pieces(self, data: bytes) -> Iterator[bytes]:
        while data or self.pending:
            if self.inflater.eof:
                if self.coding != "gzip" or not data.startswith(GZIP_MAGIC):
                    return  # bytes after the end of the stream are ignored, as browsers do
                self.inflater = self._new()  # the next member of a multi-member gzip file
            try:
                out = self.inflater.decompress(data, CHUNK)
            except zlib.error as exc:
                if self.coding == "deflate" and self.first:  # raw deflate, sent without the zlib header
                    self.inflater, self.first = self._new(raw=True), False
                    continue
                raise DecodeError(f"corrupt {self.coding} content: {exc}") from exc
            self.first = False
            self.pending = len(out) == CHUNK and not self.inflater.eof
            data = self.inflater.unused_data if self.inflater.eof else self.inflater.unconsumed_tail
            if out:
                yield out


class Inflater:
    """Decodes a stream through `codings` (in the order applied) with every layer held to `limit`."""

    def __init__(self, codings: list[str], limit: int) -> None:
        self.layers = [_Layer(c) for c in reversed(codings)]
        self.limit = limit
        self.counts = [0] * (len(self.layers) + 1)  # input bytes, then each layer's output
        self.body = bytearray()

    def feed(self, data: bytes) -> None:
        """Decode one chunk of input; raises `OverBudgetError` once a layer passes the limit."""
        for piece in self._through(0, data):
            room = self.limit - len(self.body)
            if len(piece) > room:
                self.body += piece[:room]
                raise OverBudgetError(self.limit, bytes(self.body))
            self.body += piece

    def _through(self, level: int, data: bytes) -> Iterator[bytes]:
        self.counts[level] += len(data)
        if self.counts[level] > self.limit and level < len(self.layers):
            raise OverBudgetError(self.limit, bytes(self.body))
        if level == len(self.layers):
            yield data
            return
        for piece in self.layers[level].pieces(data):
            yield from self._through(level + 1, piece)

    def result(self) -> bytes:
        """Everything decoded so far."""
        return bytes(self.body)

    def finish(self) -> bytes:
        """Everything decoded; raises DecodeError if a compressed stream stopped before its end."""
        for layer in self.layers:
            if not layer.inflater.eof and layer.coding == "gzip":
                raise DecodeError(f"the {layer.coding} stream is cut short")
        return self.result()


def decode(body: bytes, codings: list[str], limit: int) -> bytes:
    """`body` decoded through `codings` within `limit` (raises OverBudgetError or DecodeError)."""
    inflater = Inflater(codings, limit)
    for start in range(0, len(body), CHUNK):
        inflater.feed(body[start : start + CHUNK])
    return inflater.finish()


def gunzip_nested(body: bytes, limit: int) -> bytes:
    """`body` with every gzip wrapper removed (a .gz file gzipped again in transit), within `limit`."""
    for _ in range(_NESTED_MAX):
        if not body.startswith(GZIP_MAGIC):
            return body
        body = decode(body, ["gzip"], limit)
    if body.startswith(GZIP_MAGIC):
        raise DecodeError(f"gzip nested more than {_NESTED_MAX} deep")
    return body
