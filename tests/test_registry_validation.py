"""Registry values are validated into typed values: every mistake is one exact line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from parsers.extract.documents import PARSERS
from parsers.model import PARSER_NAMES
from parsers.registry import RegistryError, load_registry

TRADEWIRE = Path(sys.executable).parent / "tradewire"
GACC = '[[source]]\nid = "gacc-news"\nname = "GACC news"\nkind = "listing"\nurl = "http://english.customs.gov.cn/news"\n'
WHERE = "sources.toml: source 'gacc-news': "


def problem(tmp_path: Path, text: str) -> str:
    """The RegistryError a registry file with `text` raises (the file named as given: relative)."""
    Path("sources.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError) as raised:
        load_registry("sources.toml")
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # messages name the registry file as it was given


# The values the outside attack used, then our own of each class.
REPORTED = [
    (
        'selectors = "li"',
        "selectors = 'li': expected a table of CSS selectors (keys item, link, title, date, next)",
    ),
    (
        "selectors = 10",
        "selectors = 10: expected a table of CSS selectors (keys item, link, title, date, next)",
    ),
    ('min_interval = "fast"', "min_interval = 'fast': expected a number of seconds >= 0"),
    ("max_bytes = -1", "max_bytes = -1: expected an integer >= 1 (bytes)"),
    ("min_interval = -0.5", "min_interval = -0.5: expected a number of seconds >= 0"),
    ('profiles = "live"', "profiles = 'live': expected a non-empty list of profile names, e.g. ['live']"),
    ('enabled = "no"', "enabled = 'no': expected true or false"),
]
WRONG_TYPE = [
    ('max_items = "20"', "max_items = '20': expected an integer >= 1"),
    ("max_pages = 2.0", "max_pages = 2.0: expected an integer >= 1"),
    ("max_concurrency = true", "max_concurrency = true: expected an integer >= 1"),
    ("min_interval = 1979-05-27", "min_interval = 1979-05-27: expected a number of seconds >= 0"),
    ('kind = "ftp"', "kind = 'ftp': expected one of files, feed, listing, sitemap"),
    ('parser = "pdf"', "parser = 'pdf': expected one of text, html"),
    (
        'encoding = "rot13"',
        "encoding = 'rot13': expected a text encoding name such as 'utf-8' or 'gb18030' (rot-13 is not a text encoding)",
    ),
    (
        'timezone = "Mars/Olympus"',
        "timezone = 'Mars/Olympus': expected an IANA time zone such as 'Asia/Shanghai' (unknown time zone)",
    ),
    ("selectors = { item = 3 }", "selectors.item = 3: expected a CSS selector string"),
    (
        'selectors = { link = "a[[" }',
        "selectors.link = 'a[[': expected a CSS selector string (Malformed attribute selector at position 1)",
    ),
]
OUT_OF_RANGE = [
    ("max_concurrency = 0", "max_concurrency = 0: expected an integer >= 1"),
    ("max_pages = 0", "max_pages = 0: expected an integer >= 1"),
    ("max_items = -3", "max_items = -3: expected an integer >= 1"),
    ("max_bytes = 0", "max_bytes = 0: expected an integer >= 1 (bytes)"),
    ("min_interval = nan", "min_interval = nan: expected a number of seconds >= 0"),
    ("min_interval = inf", "min_interval = inf: expected a number of seconds >= 0"),
    ("profiles = []", "profiles = []: expected a non-empty list of profile names, e.g. ['live']"),
    ('name = "  "', "name = '  ': expected a non-empty string"),
]
UNKNOWN_KEY = [
    ("max_byte = 10", "unknown key 'max_byte': did you mean 'max_bytes'?"),
    ("min_intervall = 5", "unknown key 'min_intervall': did you mean 'min_interval'?"),
    ('selectors = { itme = "li" }', "selectors: unknown key 'itme': did you mean 'item'?"),
    (
        "colour = 1",
        "unknown key 'colour': expected one of id, name, kind, url, parser, enabled, profiles, allowed_hosts, language, encoding, min_interval, max_concurrency, local, ca_bundle, article_pattern, no_sample, max_bytes, selectors, max_pages, max_items, official, issuer, timezone, sample, watch, poll_min_minutes, poll_max_minutes, attachments",
    ),
]
BOOL_AS_STRING = [
    ('enabled = "false"', "enabled = 'false': expected true or false"),
    ('local = "yes"', "local = 'yes': expected true or false"),
    ("official = 1", "official = 1: expected true or false"),
]
STRING_FOR_LIST = [
    (
        'allowed_hosts = "english.customs.gov.cn"',
        "allowed_hosts = 'english.customs.gov.cn': expected a list of host names, e.g. ['www.example.gov.cn']",
    ),
    (
        'profiles = "default,live"',
        "profiles = 'default,live': expected a non-empty list of profile names, e.g. ['live']",
    ),
    (
        'profiles = ["live", 3]',
        "profiles = ['live', 3]: expected a non-empty list of profile names, e.g. ['live']",
    ),
]
TABLE_FOR_SCALAR = [
    ("min_interval = { seconds = 10 }", "min_interval = { seconds = 10 }: expected a number of seconds >= 0"),
    ('name = { en = "GACC" }', "name = { en = 'GACC' }: expected a non-empty string"),
    ('language = ["en"]', "language = ['en']: expected a language code such as 'en' or 'zh'"),
    (
        'sample = { path = "x.html" }',
        "sample = { path = 'x.html' }: expected a path relative to the registry file",
    ),
]


@pytest.mark.parametrize(
    ("line", "message"),
    REPORTED + WRONG_TYPE + OUT_OF_RANGE + UNKNOWN_KEY + BOOL_AS_STRING + STRING_FOR_LIST + TABLE_FOR_SCALAR,
)
def test_a_bad_source_value_is_one_exact_line(tmp_path, line, message):
    key = line.split(" = ")[0]
    base = "".join(row for row in GACC.splitlines(keepends=True) if not row.startswith(f"{key} ="))
    assert problem(tmp_path, base + line + "\n") == WHERE + message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[defaults]\nmin_interval = "fast"\n',
            "sources.toml: [defaults]: min_interval = 'fast': expected a number of seconds >= 0",
        ),
        (
            "[defaults]\nmax_concurrency = 0\n",
            "sources.toml: [defaults]: max_concurrency = 0: expected an integer >= 1",
        ),
        (
            "[defaults]\nuser_agent = { name = 'tw' }\n",
            "sources.toml: [defaults]: user_agent = { name = 'tw' }: expected a non-empty string",
        ),
        (
            '[defaults]\nuser_agnt = "tw/1"\n',
            "sources.toml: [defaults]: unknown key 'user_agnt': did you mean 'user_agent'?",
        ),
        ("defaults = 5\n", "sources.toml: defaults = 5: expected a [defaults] table"),
        ('[[sources]]\nid = "x"\n', "sources.toml: unknown key 'sources': did you mean 'source'?"),
        ('[source]\nid = "x"\n', "sources.toml: source = { id = 'x' }: expected [[source]] tables"),
        ('source = ["gacc"]\n', "sources.toml: source #1 = 'gacc': expected a [[source]] table"),
        (
            '[[source]]\nid = 7\nname = "x"\nkind = "feed"\nurl = "u"\n',
            "sources.toml: source #1: id = 7: expected a non-empty string",
        ),
        (
            '[[source]]\nid = "x"\nname = "x"\nkind = "feed"\n',
            "sources.toml: source 'x': 'url' is required and must be a non-empty URL (for files: a folder or glob)",
        ),
        (
            GACC + 'min_interval = "fast"\nmax_bytes = -1\n',
            WHERE.rstrip()
            + " min_interval = 'fast': expected a number of seconds >= 0 (and 1 more problem(s) in this table)",
        ),
    ],
)
def test_defaults_tables_and_required_keys_are_checked_too(tmp_path, text, message):
    assert problem(tmp_path, text) == message


def test_valid_values_load_as_typed_values(tmp_path):
    (tmp_path / "sources.toml").write_text(
        GACC + "enabled = false\nmin_interval = 10\nmax_bytes = 1000\nprofiles = ['live']\n"
        "allowed_hosts = ['english.customs.gov.cn']\nselectors = { link = 'a', item = 'li' }\n"
        "[defaults]\nmin_interval = 0\nmax_concurrency = 2\n",
        encoding="utf-8",
    )
    registry = load_registry(tmp_path / "sources.toml")
    (source,) = registry.sources
    assert source.enabled is False and registry.select("live") == ()
    assert source.min_interval == 10.0 and isinstance(source.min_interval, float)
    assert (source.max_bytes, source.profiles, source.allowed_hosts) == (
        1000,
        ("live",),
        ("english.customs.gov.cn",),
    )
    assert source.selectors == (("item", "li"), ("link", "a"))
    assert (source.max_items, source.timezone, source.parser) == (
        200,
        "Asia/Shanghai",
        "text",
    )  # Source's defaults
    assert (registry.min_interval, registry.max_concurrency) == (0.0, 2)
    assert isinstance(registry.min_interval, float)


def test_the_registry_knows_exactly_the_parsers_there_are():
    assert set(PARSER_NAMES) == set(PARSERS)


def test_ingest_with_a_bad_registry_prints_the_line_and_exits_non_zero(tmp_path):
    (tmp_path / "sources.toml").write_text(GACC + 'min_interval = "fast"\n', encoding="utf-8")
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    done = subprocess.run(
        [str(TRADEWIRE), "ingest", "--sources", "sources.toml", "--db", "tw.duckdb"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"error: {WHERE}min_interval = 'fast': expected a number of seconds >= 0\n"
    assert not (tmp_path / "tw.duckdb").exists() and not (tmp_path / "tw.primary.duckdb").exists()
