"""The source registry: `sources.toml` validated into frozen `Source` records.

A registry file holds an optional `[defaults]` table and one `[[source]]` table per source.
Relative `url`s of `files` sources and `sample` paths resolve against the registry file's folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import soupsieve

from parsers.model import SOURCE_KINDS, Source

DEFAULT_REGISTRY = Path(__file__).resolve().parents[1] / "seeds" / "sources.toml"
_TUPLE_FIELDS = {"profiles", "allowed_hosts"}
_KNOWN = {f.name for f in fields(Source)}


class RegistryError(ValueError):
    """The registry file is missing, is not TOML, or describes an invalid source."""


@dataclass(frozen=True)
class Registry:
    """All sources of one registry file plus the crawl defaults."""

    path: Path
    sources: tuple[Source, ...]
    user_agent: str
    min_interval: float
    max_concurrency: int

    def select(self, profile: str = "default", only: tuple[str, ...] = ()) -> tuple[Source, ...]:
        """Enabled sources in `profile` (or exactly the ids in `only`)."""
        if only:
            unknown = set(only) - {s.id for s in self.sources}
            if unknown:
                raise RegistryError(f"unknown source id(s): {', '.join(sorted(unknown))}")
            return tuple(s for s in self.sources if s.id in only)
        return tuple(s for s in self.sources if s.enabled and profile in s.profiles)

    def get(self, source_id: str) -> Source:
        """The source with this id; RegistryError if none."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise RegistryError(f"unknown source id: {source_id}")


def load_registry(path: Path | str | None = None) -> Registry:
    """Read and validate a registry file (default: the one in `seeds/`)."""
    path = Path(path) if path else DEFAULT_REGISTRY
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegistryError(f"registry not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc
    defaults = data.get("defaults", {})
    base = path.resolve().parent
    sources = tuple(_source(entry, base, path) for entry in data.get("source", []))
    ids = [s.id for s in sources]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegistryError(f"{path}: duplicate source id(s): {', '.join(duplicates)}")
    return Registry(
        path=path,
        sources=sources,
        user_agent=str(defaults.get("user_agent", "tradewire/0.1 (+https://github.com/tradewire)")),
        min_interval=float(defaults.get("min_interval", 5.0)),
        max_concurrency=int(defaults.get("max_concurrency", 4)),
    )


def _source(entry: dict[str, Any], base: Path, path: Path) -> Source:
    where = f"{path}: source {entry.get('id', '?')!r}"
    for key in ("id", "name", "kind", "url"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise RegistryError(f"{where}: '{key}' is required and must be a non-empty string")
    unknown = set(entry) - _KNOWN
    if unknown:
        raise RegistryError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    if entry["kind"] not in SOURCE_KINDS:
        raise RegistryError(f"{where}: kind must be one of {', '.join(SOURCE_KINDS)}")
    values = dict(entry)
    for key in _TUPLE_FIELDS & values.keys():
        values[key] = tuple(values[key])
    if "selectors" in values:
        values["selectors"] = tuple(sorted(values["selectors"].items()))
        for name, selector in values["selectors"]:
            try:
                soupsieve.compile(selector)
            except soupsieve.SelectorSyntaxError as exc:
                raise RegistryError(f"{where}: selector {name!r} is not valid CSS: {exc}") from exc
    try:
        ZoneInfo(values.get("timezone", "Asia/Shanghai"))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RegistryError(f"{where}: unknown timezone {values.get('timezone')!r}") from exc
    if values["kind"] == "files":
        values["url"] = str(base / values["url"])
    if "sample" in values:
        values["sample"] = base / values["sample"]
    try:
        return Source(**values)
    except TypeError as exc:
        raise RegistryError(f"{where}: {exc}") from exc
