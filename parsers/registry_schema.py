"""What a registry file may say: pydantic models of its tables, and one-line messages for what is wrong.

Validation is strict: no coercion (`enabled = "no"` is not true, `"li"` is not a list, `10` is not a
table), ranges are checked, and unknown keys are refused with the closest known key as a suggestion.
"""

from __future__ import annotations

import codecs
import difflib
import math
import re
import ssl
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import soupsieve
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from parsers.model import PARSER_NAMES, SELECTOR_NAMES, SOURCE_KINDS

M = TypeVar("M", bound=BaseModel)
_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)


def _non_empty(text: str) -> str:
    if not text.strip():
        raise ValueError("")  # the expectation says it all
    return text


def _text_encoding(name: str) -> str:
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError("no such codec") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{info.name} is not a text encoding")
    return name


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone") from None
    return name


def _css(selector: str) -> str:
    try:
        soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    return selector


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


Text = Annotated[str, AfterValidator(_non_empty)]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=1)]
Minutes = Annotated[float, Field(ge=1, allow_inf_nan=False)]


def _field(description: str, default: Any = ...) -> Any:
    return Field(default, description=description)


class Defaults(BaseModel):
    """The `[defaults]` table: crawl settings every source inherits."""

    model_config = _STRICT

    user_agent: Text = _field("a non-empty string", "tradewire/0.1 (+https://github.com/tradewire)")
    min_interval: Seconds = _field("a number of seconds >= 0", 5.0)
    max_concurrency: Count = _field("an integer >= 1", 4)


class Entry(BaseModel):
    """One `[[source]]` table as written; `registry.py` turns it into a `Source`."""

    model_config = _STRICT

    id: Text = _field("a non-empty string")
    name: Text = _field("a non-empty string")
    kind: Literal[SOURCE_KINDS] = _field(f"one of {', '.join(SOURCE_KINDS)}")  # type: ignore[valid-type]
    url: Text = _field("a non-empty URL (for files: a folder or glob)")
    parser: Literal[PARSER_NAMES] = _field(f"one of {', '.join(PARSER_NAMES)}", None)  # type: ignore[valid-type]
    enabled: bool = _field("true or false", None)
    profiles: Annotated[list[Text], Field(min_length=1)] = _field(
        "a non-empty list of profile names, e.g. ['live']", None
    )
    allowed_hosts: list[Text] = _field("a list of host names, e.g. ['www.example.gov.cn']", None)
    language: Text = _field("a language code such as 'en' or 'zh'", None)
    encoding: Annotated[str, AfterValidator(_text_encoding)] = _field(
        "a text encoding name such as 'utf-8' or 'gb18030'", None
    )
    min_interval: Seconds = _field("a number of seconds >= 0", None)
    max_concurrency: Count = _field("an integer >= 1", None)
    local: bool = _field("true or false", None)
    ca_bundle: Text = _field("a PEM file of CA certificates, relative to the registry file", None)
    article_pattern: Annotated[str, AfterValidator(_regex)] = _field(
        "a regular expression an article URL matches", None
    )
    no_sample: Text = _field("a non-empty string saying why no page is recorded", None)
    max_bytes: Count = _field("an integer >= 1 (bytes)", None)
    selectors: dict[str, Annotated[str, AfterValidator(_css)]] = _field(
        f"a table of CSS selectors (keys {', '.join(SELECTOR_NAMES)})", None
    )
    max_pages: Count = _field("an integer >= 1", None)
    max_items: Count = _field("an integer >= 1", None)
    official: bool = _field("true or false", None)
    issuer: Text = _field("a non-empty string", None)
    timezone: Annotated[str, AfterValidator(_timezone)] = _field(
        "an IANA time zone such as 'Asia/Shanghai'", None
    )
    sample: Text = _field("a path relative to the registry file", None)
    watch: bool = _field("true or false", None)
    poll_min_minutes: Minutes = _field("a number of minutes >= 1", None)
    poll_max_minutes: Minutes = _field("a number of minutes >= 1", None)
    attachments: bool = _field("true or false (default: the source's `official`)", None)


def ca_bundle_problem(path: Path) -> str | None:
    """Why `path` cannot serve as a `ca_bundle` (missing, unreadable, no PEM certificate), or None."""
    if not path.is_file():
        return f"ca_bundle = {str(path)!r}: no such file"
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except (OSError, ssl.SSLError, ValueError) as exc:
        return f"ca_bundle = {str(path)!r}: not a PEM file of CA certificates ({exc})"
    return None


def unknown_key(key: str, known: tuple[str, ...] | list[str]) -> str:
    """'unknown key …' with the closest known key as a suggestion, or the known keys."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}: did you mean {close[0]!r}?"
    return f"unknown key {key!r}: expected one of {', '.join(known)}"


def check_keys(table: dict[str, Any], model: type[BaseModel]) -> str | None:
    """The message for the first key (or selector name) the model does not know, else None."""
    known = list(model.model_fields)
    for key in table:
        if key not in known:
            return unknown_key(key, known)
    selectors = table.get("selectors")
    if model is Entry and isinstance(selectors, dict):
        for name in selectors:
            if name not in SELECTOR_NAMES:
                return "selectors: " + unknown_key(name, SELECTOR_NAMES)
    return None


def validate(table: dict[str, Any], model: type[M]) -> tuple[M | None, str | None]:
    """(the validated table, None) or (None, one line saying what is wrong and what was expected)."""
    problem = check_keys(table, model)
    if problem:
        return None, problem
    try:
        return model.model_validate(table), None
    except ValidationError as exc:
        errors = exc.errors()
    message = _describe(errors[0], table, model)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s) in this table)"
    return None, message


def _describe(error: Any, table: dict[str, Any], model: type[BaseModel]) -> str:
    loc = error["loc"]
    key = str(loc[0])
    expected = model.model_fields[key].description or "a valid value"
    if error["type"] == "missing":
        return f"{key!r} is required and must be {expected}"
    name, value = key, table[key]
    if key == "selectors" and len(loc) > 1 and isinstance(value, dict):
        name, value = f"selectors.{loc[1]}", value[loc[1]]
        expected = "a CSS selector string"
    reason = str(error.get("ctx", {}).get("error", "")) if error["type"] == "value_error" else ""
    detail = f" ({reason})" if reason else ""
    return f"{name} = {render(value)}: expected {expected}{detail}"


def render(value: Any, limit: int = 80) -> str:
    """A TOML value as it would be written (strings quoted), shortened past `limit` characters."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and not math.isfinite(value):
        text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    elif isinstance(value, list):
        text = "[" + ", ".join(render(v, limit) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {render(v, limit)}" for k, v in value.items()) + " }"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
