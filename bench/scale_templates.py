"""bench.scale's templates: ~280 real texts with the topics and measures the real code gives them."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from parsers.classify.measures import Measure, extract_measures
from parsers.classify.topics import Rules, classify, load_rules, paragraph_scores
from parsers.clean import web as webclean
from parsers.model import TopicScore
from parsers.stories import neardup

ROOT = Path(__file__).resolve().parents[1]
AEB = ROOT.parent / "shared" / "corpora" / "aeb" / "ground-truth.json"
SEEDS = ROOT / "seeds" / "press"
TOPIC_DEV = ROOT / "tests" / "data" / "topics" / "dev"


@dataclass(frozen=True)
class Template:
    """One real text, with its title, topics, measures and sketch."""

    title: str
    clean_text: str
    raw_text: str
    language: str
    topics: tuple[TopicScore, ...]
    measures: tuple[Measure, ...]
    paragraph_topics: tuple[tuple[int, TopicScore], ...]


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.replace("\r", "").split("\n\n" if "\n\n" in text else "\n") if p.strip()]


def templates(rules: Rules | None = None) -> list[Template]:
    """The real texts: aeb bodies, seed releases, topic dev-set texts (web-cleaned, classified)."""
    rules = rules or load_rules()
    texts = [v["articleBody"] for v in json.loads(AEB.read_text(encoding="utf-8")).values()]
    texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(TOPIC_DEV.glob("*.txt"))]
    out = []
    for raw in texts:
        paras = webclean.clean_lines(_paragraphs(raw))
        if not paras:
            continue
        clean = "\n\n".join(paras)
        title = paras[0][:120]
        cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in clean[:2000])
        scores = paragraph_scores(clean, rules)
        out.append(
            Template(
                title=title,
                clean_text=clean,
                raw_text="\n".join(paras),
                language="zh" if cjk > 200 else "en",
                topics=classify(title, clean, rules),
                measures=tuple(extract_measures("tmpl", title, clean, rules)),
                paragraph_topics=tuple(p for p in scores if p[1].score >= 0.1),
            )
        )
    return out


def template_tables(tmpl: list[Template]) -> dict[str, pa.Table]:
    """The templates as the temp tables the warehouse SQL joins: texts, event profiles, topics, measures."""
    from warehouse.measures import measures_table

    base = pa.table(
        {
            "t": pa.array(range(len(tmpl)), pa.int64()),
            "title": [t.title for t in tmpl],
            "clean_text": [t.clean_text for t in tmpl],
            "raw_text": [t.raw_text for t in tmpl],
            "language": [t.language for t in tmpl],
        }
    )
    topics = [(i, s.topic, s.score, list(s.evidence)) for i, t in enumerate(tmpl) for s in t.topics]
    para = [
        (i, n, s.topic, s.score, list(s.evidence)) for i, t in enumerate(tmpl) for n, s in t.paragraph_topics
    ]
    measures = measures_table([replace(m, article_id=str(i)) for i, t in enumerate(tmpl) for m in t.measures])
    msk = neardup.sketch(measures.column("text").to_pylist())
    from parsers.stories import events

    profiles = events.profiles([(f"tmpl-{i:04d}", t.title, t.clean_text, None) for i, t in enumerate(tmpl)])
    return {
        "tmpl": base,
        "tmpl_events": pa.table(
            {"t": pa.array(range(len(tmpl)), pa.int64()), "profile": [p.to_json() for p in profiles]}
        ),
        "tmpl_topics": pa.table(
            {
                "t": pa.array([r[0] for r in topics], pa.int64()),
                "topic": [r[1] for r in topics],
                "score": pa.array([r[2] for r in topics], pa.float64()),
                "evidence": pa.array([r[3] for r in topics], pa.list_(pa.string())),
            }
        ),
        "tmpl_para": pa.table(
            {
                "t": pa.array([r[0] for r in para], pa.int64()),
                "paragraph": pa.array([r[1] for r in para], pa.int32()),
                "topic": pa.array([r[2] for r in para], pa.string()),
                "score": pa.array([r[3] for r in para], pa.float64()),
                "evidence": pa.array([r[4] for r in para], pa.list_(pa.string())),
            }
        ),
        "tmpl_measures": measures.append_column("n_shingles", pa.array(msk.sizes, pa.int32())).append_column(
            "msig", pa.array([s.tobytes() for s in msk.sigs], pa.binary())
        ),
    }
