"""The words of an alert: one message per alert, the digest, each listing the alert's sources. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

DIFF_CHARS = 3_000  # an amended notice's diff in a message; the whole diff stays in article_revisions


def _sources(sources: Sequence[Mapping[str, object]]) -> str:
    if len(sources) < 2:
        return ""
    lines = [f"- {s['source_id']}: {s['url']}" + (f" ({s['language']})" if s.get("language") else "")
             for s in sources]  # fmt: skip
    return f"\nSources ({len(sources)}):\n" + "\n".join(lines)


def _diff(text: str) -> str:
    if len(text) <= DIFF_CHARS:
        return text
    return text[:DIFF_CHARS].rsplit("\n", 1)[0] + "\n... (diff cut; the whole diff is in article_revisions)"


def message(alert: Mapping[str, object], sources: Sequence[Mapping[str, object]] = ()) -> tuple[str, str]:
    """Title and body of one alert (a new measure, or an amended notice with its diff), with its sources."""
    body_of = alert["issuing_body"] or "customs"
    when = alert["published_at"] or "date not given"
    notice = f"Announcement: {alert['announcement_no']}\n" if alert.get("announcement_no") else ""
    if alert.get("document_no") and alert["document_no"] != alert.get("announcement_no"):
        notice = f"Document: {alert['document_no']}\n{notice}"
    if alert.get("kind") == "amended":
        title = f"Amended customs notice: {body_of}"
        body = (
            f"{alert['title']}\nRevision {alert['revision']} of {alert['url']}\n{notice}Published: {when}\n\n"
            f"{_diff(str(alert['measure_text']))}"
        )
        return title, body
    title = f"New customs measure: {body_of}"
    body = (
        f"{alert['measure_text']}\n\n{notice}From: {alert['title']}\nPublished: {when}\nSource: {alert['url']}"
        f"{_sources(sources)}"
    )
    return title, body


def digest(
    alerts: Sequence[Mapping[str, object]], sources: Mapping[str, Sequence[Mapping[str, object]]]
) -> tuple[str, str]:
    """Title and body of the digest: every waiting alert with all its sources."""
    parts = []
    for alert in alerts:
        title, body = message(alert)
        listed = sources.get(str(alert["alert_id"]), ())
        extra = "\nSources ({}):\n{}".format(
            len(listed), "\n".join(f"- {s['source_id']}: {s['url']}" for s in listed)
        ) if listed and alert.get("kind") != "amended" else ""  # fmt: skip
        parts.append(f"{title}\n{body}{extra}")
    return f"{len(alerts)} customs alert(s)", "\n\n---\n\n".join(parts)
