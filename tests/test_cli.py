"""The command line is documented and its errors are one clear line."""

import re

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from flows.cli import app

README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def commands() -> list[str]:
    return sorted(c.name or c.callback.__name__ for c in app.registered_commands)  # type: ignore[union-attr]


def test_every_command_is_documented_in_the_readme():
    assert commands()
    for name in commands():
        assert f"`tradewire {name}" in README, f"README does not document `tradewire {name}`"


def test_every_command_has_help():
    for name in commands():
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_missing_registry_is_one_line_error(tmp_path):
    result = runner.invoke(
        app, ["ingest", "--sources", str(tmp_path / "none.toml"), "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 2
    assert "registry not found" in result.output and "Traceback" not in result.output


def test_sql_on_missing_database_says_what_to_do(tmp_path):
    result = runner.invoke(app, ["sql", "SELECT 1", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "run `tradewire ingest` first" in result.output


def readme_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", README, flags=re.S)


def test_readme_has_the_three_queries():
    assert len(readme_queries()) >= 3


@pytest.mark.parametrize("query", readme_queries())
def test_readme_queries_parse_against_the_schema(con, query):
    con.execute(query).fetchall()  # an empty warehouse still has every view and column
