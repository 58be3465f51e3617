"""What operators see on a flow run's page in the Prefect UI: Markdown and table artifacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.summary import RunSummary


def summary_markdown(summary: RunSummary) -> str:
    """The run summary as Markdown: per source, per topic, failures."""
    lines = [
        f"# tradewire ingest: {summary.status}",
        "",
        f"**{summary.new}** new article(s), {summary.duplicate} duplicate(s), {summary.failed} failure(s); "
        f"{summary.articles_total} article(s) in the warehouse `{summary.db_path}`.",
        "",
        "| source | found | new | duplicate | failed |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(f"| {s.source_id} | {s.found} | {s.new} | {s.duplicate} | {s.failed} |" for s in summary.sources),
    ]
    if summary.topics:
        lines += ["", "| topic | new in this run | total |", "| --- | ---: | ---: |"]
        lines += [f"| {t.topic} | {t.new} | {t.total} |" for t in summary.topics]
    failures = [f for s in summary.sources for f in s.failures]
    if failures:
        lines += ["", "## Failures", "", "| source | url | stage | reason |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {f.source_id} | {f.url} | {f.stage} | {f.reason.replace('|', '/')} |" for f in failures[:200]
        ]
        if len(failures) > 200:
            lines.append(
                f"\n… and {len(failures) - 200} more: `SELECT * FROM failures WHERE run_id = '{summary.run_id}'`"
            )
    return "\n".join(lines)


def _cell(value: Any) -> Any:
    return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value


@task(name="artifacts", cache_policy=NO_CACHE)
def publish_artifacts(
    summary: RunSummary, health: list[dict[str, Any]], measures: tuple[dict[str, Any], ...] = ()
) -> None:
    """Attach the run summary, the new customs measures and the source-health table to this flow run."""
    create_markdown_artifact(
        key="tradewire-run-summary",
        markdown=summary_markdown(summary),
        description="What this ingest run did",
    )
    create_table_artifact(
        key="tradewire-customs-measures",
        table=list(measures) or [{"measure": "(no new customs measure in this run)"}],
        description="Customs measures first seen in this run, with links to their articles",
    )
    rows = [{k: _cell(v) for k, v in row.items()} for row in health]
    create_table_artifact(
        key="tradewire-source-health",
        table=rows or [{"source_id": "(no source has run yet)"}],
        description="Per source: last success, last new item, failure rate, cadence, stale flag, layout canary",
    )
