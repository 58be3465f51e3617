"""The `tradewire` command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    import duckdb

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="DuckDB file [env TRADEWIRE_DB; default data/tradewire.duckdb]")
]


@app.callback()
def _root() -> None:
    """tradewire: Chinese trade and supply-chain news, fetched on a schedule into DuckDB."""


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def ingest(
    db: DbOption = None,
    sources: Annotated[
        Path | None, typer.Option("--sources", help="registry file [default seeds/sources.toml]")
    ] = None,
    profile: Annotated[str, typer.Option(help="registry profile to run")] = "default",
    source: Annotated[list[str] | None, typer.Option("--source", help="only these source ids")] = None,
) -> None:
    """Fetch, clean, deduplicate, classify and load every enabled source of the registry."""
    from parsers.classify.topics import RulesError, load_rules
    from parsers.registry import RegistryError, load_registry
    from warehouse.db import default_db_path

    db_path = db or default_db_path()
    try:  # check what the user gave before starting a flow run, so mistakes read as one line
        selected = load_registry(sources).select(profile, tuple(source or ()))
        load_rules()
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except (RegistryError, RulesError, OSError) as exc:
        _fail(str(exc))
    if not selected:
        _fail(f"no enabled source in profile {profile!r}")
    from flows.ingest import ingest as ingest_flow
    from flows.runtime import prefect_api
    from flows.summary import format_summary

    with prefect_api():
        summary = ingest_flow(
            sources=str(sources) if sources else None, db_path=str(db_path), profile=profile, only=source
        )
    typer.echo("")
    typer.echo(format_summary(summary))


@app.command()
def reparse(
    db: DbOption = None,
    sources: Annotated[
        Path | None,
        typer.Option("--sources", help="registry naming the archived sources [default seeds/sources.toml]"),
    ] = None,
) -> None:
    """Rebuild every article from the raw archive (no network): after a parser, cleaner or rules change."""
    from parsers.registry import RegistryError, load_registry
    from warehouse.archive import archive_dir
    from warehouse.db import default_db_path

    db_path = db or default_db_path()
    try:
        load_registry(sources)
    except RegistryError as exc:
        _fail(str(exc))
    if not archive_dir(db_path).is_dir():
        _fail(f"no raw archive at {archive_dir(db_path)}: run `tradewire ingest` first")
    from flows.reparse import reparse as reparse_flow
    from flows.runtime import prefect_api
    from flows.summary import format_summary

    with prefect_api():
        summary = reparse_flow(sources=str(sources) if sources else None, db_path=str(db_path))
    typer.echo("")
    typer.echo(format_summary(summary))


@app.command("record-samples")
def record_samples(
    source: Annotated[list[str] | None, typer.Option("--source", help="only these source ids")] = None,
    profile: Annotated[str, typer.Option(help="registry profile to record")] = "live",
    sources: Annotated[
        Path | None, typer.Option("--sources", help="registry file [default seeds/sources.toml]")
    ] = None,
) -> None:
    """Fetch one index page and the newest article of each source into seeds/samples/ (needs internet)."""
    from flows.samples import record_samples as record
    from parsers.registry import RegistryError, load_registry

    try:
        results = record(load_registry(sources), source, profile=profile)
    except RegistryError as exc:
        _fail(str(exc))
    for source_id, path, reason in results:
        typer.echo(f"{source_id:<24} {path or '-'}  {reason}")


@app.command()
def classify(
    files: Annotated[list[Path], typer.Argument(help="text files to classify", exists=True, dir_okay=False)],
    json: Annotated[bool, typer.Option("--json", help="one JSON object per line and file")] = False,
    rules: Annotated[Path | None, typer.Option(help="topic rules [default seeds/topics.toml]")] = None,
) -> None:
    """Classify any texts with the topic rules and show the evidence, without touching the warehouse."""
    import json as jsonlib

    from parsers.classify.evaluate import read_passage
    from parsers.classify.topics import RulesError, load_rules
    from parsers.classify.topics import classify as classify_text

    try:
        loaded = load_rules(rules)
    except RulesError as exc:
        _fail(str(exc))
    for path in files:
        try:
            title, text = read_passage(path)
        except (OSError, UnicodeDecodeError) as exc:
            typer.secho(f"{path}: cannot read: {exc}", fg=typer.colors.RED, err=True)
            continue
        topics = classify_text(title, text, loaded)
        if json:
            found = [{"topic": t.topic, "score": t.score, "evidence": list(t.evidence)} for t in topics]
            typer.echo(jsonlib.dumps({"path": str(path), "topics": found}, ensure_ascii=False))
        else:
            typer.echo(f"{path}: " + (", ".join(f"{t.topic} {t.score:.2f}" for t in topics) or "no topic"))
            for t in topics:
                typer.echo(f"    {t.topic}: {'; '.join(t.evidence)}")


@app.command("eval-topics")
def eval_topics(
    labels: Annotated[Path, typer.Argument(help="CSV of path,topics (topics separated by ';')", exists=True)],
    rules: Annotated[Path | None, typer.Option(help="topic rules [default seeds/topics.toml]")] = None,
    misses: Annotated[bool, typer.Option("--misses", help="also list the passages it got wrong")] = False,
    split: Annotated[str | None, typer.Option(help="only rows whose `split` column is this")] = None,
    language: Annotated[str | None, typer.Option(help="only rows whose `language` column is this")] = None,
) -> None:
    """Precision, recall and F1 per topic and the macro-F1 of the topic classifier on a labelled set."""
    from parsers.classify.evaluate import LabelsError, evaluate, format_report, read_labels
    from parsers.classify.topics import RulesError, load_rules

    try:
        report = evaluate(read_labels(labels, split, language), load_rules(rules))
    except (LabelsError, RulesError) as exc:
        _fail(str(exc))
    typer.echo(format_report(report, misses=misses))


@app.command()
def digest(db: DbOption = None) -> None:
    """Send the customs-measure alerts waiting for the digest (TRADEWIRE_ALERT_MODE=digest) as one message."""
    from flows.alerts import digest as digest_flow
    from flows.runtime import prefect_api
    from warehouse.db import default_db_path

    with prefect_api():
        sent = digest_flow(db_path=str(db or default_db_path()))
    typer.echo(f"digest: {sent} alert(s) sent")


@app.command()
def schema(
    write: Annotated[
        Path | None, typer.Option("--write", help="write the Markdown here instead of printing it")
    ] = None,
) -> None:
    """Print (or write) the warehouse schema documentation, generated from the views' comments."""
    from warehouse.db import connect
    from warehouse.schema_doc import render

    with connect(":memory:") as con:
        text = render(con)
    if write:
        write.write_text(text, encoding="utf-8")
        typer.echo(f"written to {write}")
    else:
        typer.echo(text, nl=False)


def _open_read_only(db: Path | None) -> duckdb.DuckDBPyConnection:
    """The published warehouse (or the DuckLake), read-only; a clear error if there is none yet."""
    from warehouse.db import WarehouseError, connect, default_db_path, lake_config

    path = db or default_db_path()
    if lake_config() is None and not Path(path).exists():
        _fail(f"no database at {path}: run `tradewire ingest` first")
    try:
        return connect(path, read_only=True)
    except WarehouseError as exc:
        _fail(str(exc))


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only)")],
    db: DbOption = None,
    csv: Annotated[bool, typer.Option("--csv", help="print CSV")] = False,
    json: Annotated[bool, typer.Option("--json", help="print one JSON object per row")] = False,
) -> None:
    """Run a read-only SQL query on the warehouse; prints a table, CSV or JSON lines."""
    from flows.output import print_rows
    from warehouse.db import WarehouseError, run_query

    with _open_read_only(db) as con:
        try:
            columns, rows = run_query(con, query)
        except WarehouseError as exc:
            _fail(str(exc))
    print_rows(columns, rows, "csv" if csv else "json" if json else "table")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="words to search for in titles, texts and annexes (BM25)")],
    topic: Annotated[str | None, typer.Option(help="only articles with this topic")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(help="only articles published on or after DATE (undated ones are left out)"),
    ] = None,
    limit: Annotated[int, typer.Option(help="at most this many results")] = 20,
    json: Annotated[bool, typer.Option("--json", help="print one JSON object per result")] = False,
    db: DbOption = None,
) -> None:
    """Full-text search of the warehouse, best match first."""
    from flows.output import print_rows
    from warehouse.db import WarehouseError
    from warehouse.search import search as run_search

    with _open_read_only(db) as con:
        try:
            hits = run_search(con, query, topic, since, limit)
        except WarehouseError as exc:
            _fail(str(exc))
    columns = ["score", "title", "published_at", "topics", "url", "article_id", "matched_in"]
    rows = [
        (round(h.score, 3), h.title, h.published_at, h.topics, h.url, h.article_id, h.attachment or "article")
        for h in hits
    ]
    print_rows(columns, rows, "json" if json else "table")


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="folder to write into")],
    format: Annotated[str, typer.Option("--format", help="only parquet for now")] = "parquet",
    db: DbOption = None,
) -> None:
    """Export every analyst view to Parquet files (articles and topics partitioned by month)."""
    from warehouse.export import export_parquet

    if format != "parquet":
        _fail(f"unsupported format {format!r}: use parquet")
    with _open_read_only(db) as con:
        counts = export_parquet(con, directory)
    for view, count in counts.items():
        typer.echo(f"{view:<20} {count:>8} rows")
    typer.echo(f"written to {directory}")


def main() -> None:
    """Entry point of the `tradewire` console script."""
    app()
