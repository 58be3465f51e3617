"""`tradewire topics set|list`: analysts mark an article's topic right or wrong; the views apply it."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from flows.cli_options import DbOption, fail
from parsers.model import TOPICS

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Analysts' topic overrides.")

_VERDICTS = {"yes": True, "no": False}


@app.command("set")
def set_topic(
    article: Annotated[str, typer.Argument(help="article_id or URL (from the articles view)")],
    topic: Annotated[str, typer.Argument(help=f"one of {', '.join(TOPICS)}")],
    verdict: Annotated[str, typer.Argument(help="yes: it is about the topic; no: it is not")],
    note: Annotated[str | None, typer.Option(help="why (kept with the verdict)")] = None,
    by: Annotated[str | None, typer.Option(help="who sets it [default: the login name]")] = None,
    db: DbOption = None,
) -> None:
    """Mark TOPIC right (yes) or wrong (no) for ARTICLE; a later verdict replaces an earlier one."""
    from warehouse.db import WarehouseError, publish
    from warehouse.handle import Warehouse
    from warehouse.overrides import resolve_article, set_verdict

    if topic not in TOPICS:
        fail(f"unknown topic {topic!r}: expected one of {', '.join(TOPICS)}")
    if verdict.lower() not in _VERDICTS:
        fail(f"verdict must be yes or no, not {verdict!r}")
    from warehouse.db import default_db_path, lake_config

    if lake_config() is None and not (db or default_db_path()).exists():
        fail(f"no database at {db or default_db_path()}: run `tradewire ingest` first")
    try:
        warehouse = Warehouse.open(db)
        with warehouse.session() as con:
            article_id, url = resolve_article(con, article)
            set_verdict(con, url, topic, _VERDICTS[verdict.lower()], note, by or getpass.getuser())
        publish(warehouse.path)
    except WarehouseError as exc:
        fail(str(exc))
    typer.echo(f"{article_id} {topic}: {verdict.lower()} ({url})")


@app.command("list")
def list_topics(db: DbOption = None) -> None:
    """Every override, newest first."""
    from flows.cli_query import open_read_only
    from flows.output import print_rows
    from warehouse.overrides import verdicts

    with open_read_only(db) as con:
        found = verdicts(con)
    columns = ["article_id", "topic", "verdict", "note", "set_by", "set_at", "url"]
    rows = [
        (v.article_id, v.topic, "yes" if v.verdict else "no", v.note, v.set_by, v.set_at, v.url)
        for v in found
    ]
    print_rows(columns, rows, "table")


def register(root: typer.Typer) -> None:
    """Add `topics` to the `tradewire` app."""
    root.add_typer(app, name="topics")
