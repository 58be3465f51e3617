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
    sick = [s.health for s in summary.sources if s.health and s.health.broken]
    if sick:
        lines += ["", "## Source health", "", "| source | verdict | reason |", "| --- | --- | --- |"]
        lines += [f"| {d.source_id} | {d.verdict} | {d.reason.replace('|', '/')} |" for d in sick]
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


def health_table(summary: RunSummary, health: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The source_health rows with this run's verdict on each source's index (as `tradewire doctor`)."""
    looks = {s.source_id: s.health for s in summary.sources if s.health}
    rows = [dict(row) for row in health]
    listed = {row.get("source_id") for row in rows}
    rows += [{"source_id": source_id} for source_id in looks if source_id not in listed]
    for row in rows:
        look = looks.get(str(row.get("source_id")))
        row["verdict"] = look.verdict if look else None
        row["verdict_reason"] = look.reason if look else None
    return rows


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
    rows = [{k: _cell(v) for k, v in row.items()} for row in health_table(summary, health)]
    create_table_artifact(
        key="tradewire-source-health",
        table=rows or [{"source_id": "(no source has run yet)"}],
        description="Per source: last success, last new item, failure rate, cadence, stale flag, layout "
        "canary, and this run's verdict on its index (tradewire doctor's conditions)",
    )
