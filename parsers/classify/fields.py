"""The fields of a measure found in its text: announcement numbers, issuing bodies, effective dates,
places and HS codes. Bodies and places come from a gazetteer that is data (`seeds/gazetteer.toml`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from parsers.extract.press import MONTHS

DEFAULT_GAZETTEER = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer.toml"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = (
    rf"(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH})\s+(?P<y2>\d{{4}})|(?P<y3>\d{{4}})-(?P<m3>\d{{1,2}})-(?P<d3>\d{{1,2}}))"
)
_EFFECTIVE = re.compile(
    r"\b(?:effective|with effect|takes? effect|comes? into (?:force|effect)|starting|beginning|apply|applies|"
    rf"implemented)\s+(?:(?:from|on|as of)\s+)?{_DATE}",
    re.IGNORECASE,
)
_ZH_EFFECTIVE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:起|开始|施行|实施|生效)")
_ANNOUNCEMENT = [
    (
        re.compile(
            r"Announcement\s+(?:No\.?|Number)\s*(\d{1,4})\s*(?:\[(\d{4})\]|of\s+(\d{4})|\((\d{4})\))?"
        ),
        0,
    ),
    (re.compile(r"Announcement\s*\[(\d{4})\]\s*No\.?\s*(\d{1,4})"), 1),
    (re.compile(r"公告\s*[〔\[]?(\d{4})[〕\]]?\s*年?\s*第\s*(\d{1,4})\s*号"), 1),
    (re.compile(r"(\d{4})\s*年\s*第\s*(\d{1,4})\s*号公告"), 1),
]
_HS_TRIGGER = re.compile(
    r"\bHS(?:\s+codes?)?|\btariff\s+(?:lines?|items?)|\bcommodity\s+codes?|税号|税则号列|商品编码"
)
_HS_CODE = re.compile(r"\s*(?:No\.?\s*)?[:：]?\s*[\"“]?(\d{4}(?:\.?\d{2}){0,3})(?!\.?\d)[\"”]?")
_HS_HEADER = re.compile(
    r"(?<![A-Za-z])HS(?![A-Za-z])|\btariff\s+(?:lines?|items?|codes?)|\bcommodity\s+codes?|税号|税则号列?|商品编[码号]|海关编码",
    re.IGNORECASE,
)
_HS_CELL = re.compile(r"\d{4}(?:\.?\d{2}){0,3}|\d{5}|\d{7}|\d{9}")  # odd lengths: a number that lost its 0
_TABLE_GAP = 20  # lines without a code that end a table
_HEADER_MAX = 60  # characters: a header row of a table in a PDF is short, a sentence is not
_HS_SEPARATOR = re.compile(r"\s*(?:,|，|、|\band\b|\bor\b|及|和|与)\s*")
_ISSUES = re.compile(
    r"^(?:\s+(?:has|have|had|will|recently|also|jointly|officially|today|on\s+\w+\s+\d+))*\s*,?\s*"
    r"(?:formulated|issued|introduced|released|announced|unveiled|published|rolled out|launched|出台|发布|印发|推出|制定)"
)


@dataclass(frozen=True)
class Body:
    """An issuing body named in a text, at `start`, and whether an issuing verb follows it."""

    start: int
    name: str
    kind: str
    issues: bool


@dataclass(frozen=True)
class Gazetteer:
    """Issuing bodies (alias -> name, kind, local) and places (alias -> name), with their matchers."""

    bodies: dict[str, tuple[str, str, bool]]
    places: dict[str, str]
    body_pattern: re.Pattern[str]
    place_pattern: re.Pattern[str]


def _alternation(aliases: list[str]) -> re.Pattern[str]:
    parts = [re.escape(a).replace(r"\ ", r"\s+") for a in sorted(aliases, key=len, reverse=True)]
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(parts) + r")(?![A-Za-z])", re.IGNORECASE)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).lower()


@cache
def load_gazetteer(path: Path | str | None = None) -> Gazetteer:
    """Read the bodies and places gazetteer (default: `seeds/gazetteer.toml`)."""
    data = tomllib.loads(Path(path or DEFAULT_GAZETTEER).read_text(encoding="utf-8"))
    bodies = {
        _norm(alias): (b["name"], b["kind"], bool(b.get("local", False)))
        for b in data["body"]
        for alias in b["aliases"]
    }
    places = {_norm(alias): name for name, aliases in data["place"].items() for alias in aliases}
    return Gazetteer(bodies, places, _alternation(list(bodies)), _alternation(list(places)))


def announcement_numbers(text: str) -> list[str]:
    """Announcement numbers written as `Announcement No. 45 [2020]`, in order, without repeats."""
    found: list[tuple[int, str]] = []
    for pattern, number_first in _ANNOUNCEMENT:
        for m in pattern.finditer(text):
            groups = [g for g in m.groups() if g]
            number, year = (groups[0], groups[1:2]) if number_first == 0 else (groups[1], groups[:1])
            found.append((m.start(), f"Announcement No. {int(number)}" + (f" [{year[0]}]" if year else "")))
    return list(dict.fromkeys(label for _, label in sorted(found)))


def effective_dates(text: str) -> list[date]:
    """Dates from which something takes effect (`effective from March 1, 2020`, `自2020年3月1日起`)."""
    found: list[tuple[int, date]] = []
    for m in _EFFECTIVE.finditer(text):
        g = m.groupdict()
        year, month, day = next((g[f"y{i}"], g[f"m{i}"], g[f"d{i}"]) for i in "123" if g[f"y{i}"])
        number = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."), 0)
        found += [(m.start(), d) for d in _date(int(year), number, int(day))]
    for m in _ZH_EFFECTIVE.finditer(text):
        found += [(m.start(), d) for d in _date(*(int(g) for g in m.groups()))]
    return list(dict.fromkeys(d for _, d in sorted(found)))


def _date(year: int, month: int, day: int) -> list[date]:
    try:
        return [date(year, month, day)]
    except ValueError:
        return []


def hs_codes(text: str) -> tuple[str, ...]:
    """HS codes (4 to 10 digits, dots removed) written after `HS`, `tariff line`, `税号` and the like."""
    codes: list[str] = []
    for trigger in _HS_TRIGGER.finditer(text):
        pos = trigger.end()
        while m := _HS_CODE.match(text, pos):
            code = m.group(1).replace(".", "")
            if 4 <= len(code) <= 10 and len(code) % 2 == 0:
                codes.append(code)
            pos = m.end()
            separator = _HS_SEPARATOR.match(text, pos)
            if not separator:
                break
            pos = separator.end()
    return tuple(dict.fromkeys(codes))


def table_hs_codes(text: str) -> tuple[str, ...]:
    """HS codes of an annex: those `hs_codes` finds, plus the codes listed under an HS column header.

    A line with cells separated by tabs (a spreadsheet row) whose cell names the column (`商品编码`,
    `HS code`, `税则号列`) makes the same cell of the following rows a code when it looks like one; a
    number that lost its leading zero in a spreadsheet (`805100000`) gets it back. A short header line
    of a PDF table makes every 6- to 10-digit token of the following lines a code. A table ends after
    `_TABLE_GAP` lines without one.
    """
    codes = list(hs_codes(text))
    column: int | None = None
    gap = 0
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("\t")]
        header = next((i for i, c in enumerate(cells) if _HS_HEADER.search(c) and not _cell_code(c)), None)
        if header is not None and (len(cells) > 1 or len(line) <= _HEADER_MAX):
            column, gap = (header if len(cells) > 1 else -1), 0
            continue
        if column is None:
            continue
        if column >= 0:
            found = [_cell_code(cells[column]) or ""] if column < len(cells) else []
        else:
            found = [_cell_code(token) or "" for token in line.split()]
            found = [code for code in found if len(code) >= 6]  # a 4-digit token of a PDF line: a quantity?
        found = [code for code in found if code]
        gap = 0 if found else gap + 1
        codes += found
        if gap > _TABLE_GAP:
            column = None
    return tuple(dict.fromkeys(codes))


def _cell_code(cell: str) -> str | None:
    cell = cell.strip().strip("\"“”'")
    if not _HS_CELL.fullmatch(cell):
        return None
    code = cell.replace(".", "")
    return code if len(code) % 2 == 0 else "0" + code


def places(text: str, gazetteer: Gazetteer) -> tuple[str, ...]:
    """The gazetteer places named in `text`, in order, without repeats."""
    text = text.replace("’", "'")
    found = (gazetteer.places[_norm(m.group())] for m in gazetteer.place_pattern.finditer(text))
    return tuple(dict.fromkeys(found))


def bodies(text: str, gazetteer: Gazetteer, home: str | None = None) -> list[Body]:
    """Issuing bodies named in `text`; a local body takes the place written just before it, else `home`."""
    text, found = text.replace("’", "'"), []
    for m in gazetteer.body_pattern.finditer(text):
        name, kind, local = gazetteer.bodies[_norm(m.group())]
        if local:
            before = places(text[max(0, m.start() - 25) : m.start()], gazetteer)
            name = f"{before[-1] if before else home} {name}" if (before or home) else name
        found.append(Body(m.start(), name, kind, bool(_ISSUES.match(text[m.end() : m.end() + 80]))))
    for m in gazetteer.place_pattern.finditer(text):
        if re.match(r"\s*Customs\b|海关(?!总署)", text[m.end() : m.end() + 9]):
            found.append(Body(m.start(), f"{gazetteer.places[_norm(m.group())]} Customs", "customs", False))
    return sorted(found, key=lambda b: b.start)


def body_kind(name: str, gazetteer: Gazetteer) -> str | None:
    """The kind of an issuing body name (`customs`, `port`, `ministry`, ...), None when unknown."""
    for _, (canonical, kind, local) in gazetteer.bodies.items():
        if name == canonical or (local and name.lower().endswith(" " + canonical.lower())):
            return kind
    return "customs" if name.endswith(" Customs") else None
