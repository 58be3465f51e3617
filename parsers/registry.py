"""The source registry: `sources.toml` validated into frozen `Source` records.

A registry file holds an optional `[defaults]` table and one `[[source]]` table per source.
Relative `url`s of `files` sources, `sample` and `ca_bundle` paths resolve against the registry file's folder.
What each key may hold is in `registry_schema.py`; anything else is a RegistryError of one line,
`<file>: source '<id>': <key> = <value>: expected <what>`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parsers import registry_schema as schema
from parsers.model import Source

DEFAULT_REGISTRY = Path(__file__).resolve().parents[1] / "seeds" / "sources.toml"
_TUPLE_FIELDS = {"profiles", "allowed_hosts"}
_TABLES = ("defaults", "source")


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
    """Read and validate a registry file (default: the one in `seeds/`); RegistryError says what is wrong."""
    path = Path(path) if path else DEFAULT_REGISTRY
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegistryError(f"registry not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc
    for key in data:
        if key not in _TABLES:
            raise RegistryError(f"{path}: {schema.unknown_key(key, _TABLES)}")
    defaults = _defaults(data.get("defaults", {}), path)
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: source = {schema.render(entries)}: expected [[source]] tables")
    base = path.resolve().parent
    sources = tuple(_source(entry, i, base, path) for i, entry in enumerate(entries, 1))
    ids = [s.id for s in sources]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegistryError(f"{path}: duplicate source id(s): {', '.join(duplicates)}")
    return Registry(path=path, sources=sources, **defaults)


def _defaults(table: object, path: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise RegistryError(f"{path}: defaults = {schema.render(table)}: expected a [defaults] table")
    defaults, problem = schema.validate(table, schema.Defaults)
    if defaults is None:
        raise RegistryError(f"{path}: [defaults]: {problem}")
    return defaults.model_dump()


def _source(entry: object, position: int, base: Path, path: Path) -> Source:
    if not isinstance(entry, dict):
        raise RegistryError(
            f"{path}: source #{position} = {schema.render(entry)}: expected a [[source]] table"
        )
    named = isinstance(entry.get("id"), str) and entry["id"].strip()
    where = f"{path}: source {entry['id']!r}" if named else f"{path}: source #{position}"
    validated, problem = schema.validate(entry, schema.Entry)
    if validated is None:
        raise RegistryError(f"{where}: {problem}")
    values = validated.model_dump(exclude_unset=True)  # keys not given keep Source's defaults
    for key in _TUPLE_FIELDS & values.keys():
        values[key] = tuple(values[key])
    if "selectors" in values:
        values["selectors"] = tuple(sorted(values["selectors"].items()))
    if "ca_bundle" in values:
        values["ca_bundle"] = base / values["ca_bundle"]
        problem = schema.ca_bundle_problem(values["ca_bundle"])
        if problem:
            raise RegistryError(f"{where}: {problem}")
    if values["kind"] == "files":
        values["url"] = str(base / values["url"])
    if "sample" in values:
        values["sample"] = base / values["sample"]
    values.setdefault("attachments", values.get("official", False))  # official notices carry annexes
    source = Source(**values)
    if source.poll_min_minutes > source.poll_max_minutes:
        raise RegistryError(
            f"{where}: poll_min_minutes = {source.poll_min_minutes:g} exceeds poll_max_minutes = {source.poll_max_minutes:g}"
        )
    return source
