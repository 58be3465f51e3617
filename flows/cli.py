"""The `tradewire` command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows import cli_query, cli_topics, doctor
from flows.cli_options import DbOption, fail

if TYPE_CHECKING:
    from parsers.classify.topics import Rules

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def _root() -> None:
    """tradewire: Chinese trade and supply-chain news, fetched on a schedule into DuckDB."""


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
        fail(str(exc))
    if not selected:
        fail(f"no enabled source in profile {profile!r}")
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
    processes: Annotated[
        int | None, typer.Option("--processes", help="rebuild the batches in N local processes")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option("--dask", help="rebuild the batches on a Dask cluster: tcp://HOST:PORT, or local:N"),
    ] = None,
    backfill: Annotated[
        bool, typer.Option("--backfill", help="add the archived pages not stored yet, keep the rest")
    ] = False,
    source: Annotated[list[str] | None, typer.Option("--source", help="only these source ids")] = None,
) -> None:
    """Rebuild every article from the raw archive (no network): after a parser, cleaner or rules change."""
    from parsers.registry import RegistryError, load_registry
    from warehouse.archive import archive_dir
    from warehouse.db import default_db_path

    db_path = db or default_db_path()
    try:
        load_registry(sources)
    except RegistryError as exc:
        fail(str(exc))
    if not archive_dir(db_path).is_dir():
        fail(f"no raw archive at {archive_dir(db_path)}: run `tradewire ingest` first")
    from flows.reparse import run
    from flows.runtime import prefect_api
    from flows.summary import format_summary

    with prefect_api():
        summary = run(
            sources=str(sources) if sources else None,
            db_path=str(db_path),
            processes=processes,
            dask=dask,
            backfill=backfill,
            only=source or None,
        )
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
        fail(str(exc))
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
        fail(str(exc))
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
    labels: Annotated[
        Path | None, typer.Argument(help="CSV of path,topics (topics separated by ';')", exists=True)
    ] = None,
    rules: Annotated[Path | None, typer.Option(help="topic rules [default seeds/topics.toml]")] = None,
    misses: Annotated[bool, typer.Option("--misses", help="also list the passages it got wrong")] = False,
    split: Annotated[str | None, typer.Option(help="only rows whose `split` column is this")] = None,
    language: Annotated[str | None, typer.Option(help="only rows whose `language` column is this")] = None,
    overrides: Annotated[
        bool, typer.Option("--overrides", help="also score the analysts' verdicts (tradewire topics set)")
    ] = False,
    db: DbOption = None,
) -> None:
    """Precision, recall and F1 per topic and the macro-F1 of the topic classifier on a labelled set."""
    from parsers.classify.evaluate import LabelsError, evaluate, format_report, read_labels
    from parsers.classify.topics import RulesError, load_rules

    if labels is None and not overrides:
        fail("give a labels CSV, --overrides, or both")
    try:
        loaded = load_rules(rules)
        if labels is not None:
            typer.echo(format_report(evaluate(read_labels(labels, split, language), loaded), misses=misses))
    except (LabelsError, RulesError) as exc:
        fail(str(exc))
    if overrides:
        typer.echo(
            f"analysts' verdicts (each judges one topic of one article):\n{_score_overrides(db, loaded, misses)}"
        )


def _score_overrides(db: Path | None, rules: Rules, misses: bool) -> str:
    from flows.cli_query import open_read_only
    from parsers.classify.evaluate import evaluate_verdicts, format_report
    from warehouse.overrides import verdicts

    with open_read_only(db) as con:
        found = [v for v in verdicts(con, with_text=True) if v.article_id]
    judged: dict[str, tuple[str, str, dict[str, bool]]] = {}
    for v in found:
        judged.setdefault(v.url, (v.title, v.text, {}))[2][v.topic] = v.verdict
    items = [(Path(url), title, text, topics) for url, (title, text, topics) in judged.items()]
    return format_report(evaluate_verdicts(items, rules), misses=misses)


@app.command()
def digest(db: DbOption = None) -> None:
    """Send the customs-measure alerts waiting for the digest (TRADEWIRE_ALERT_MODE=digest) as one message."""
    from flows.alerts import digest as digest_flow
    from flows.runtime import prefect_api
    from warehouse.db import default_db_path

    with prefect_api():
        sent = digest_flow(db_path=str(db or default_db_path()))
    typer.echo(f"digest: {sent} alert(s) sent")


cli_query.register(app)
cli_topics.register(app)
doctor.register(app)


def main() -> None:
    """Entry point of the `tradewire` console script."""
    app()
