"""The layout's promises: one module talks HTTP, one package talks to DuckDB, product modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PRODUCT = sorted(p for d in ("flows", "parsers", "warehouse") for p in (ROOT / d).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level package names a module imports at run time (imports under TYPE_CHECKING left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for node in ast.walk(branch)
    }
    names = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(("package", "owner"), [("httpx", "parsers/fetch/"), ("duckdb", "warehouse/")])
def test_only_its_owner_imports(package, owner):
    users = [str(p.relative_to(ROOT)) for p in PRODUCT if package in imported(p)]
    assert users and all(u.startswith(owner) for u in users), f"{package} imported outside {owner}: {users}"
