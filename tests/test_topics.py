import pytest

from conftest import seed_path
from parsers.classify.topics import RulesError, classify, load_rules
from parsers.clean.press import clean_article
from parsers.extract.press import parse_press_text


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def topics_of(prefix: str, rules) -> dict[str, tuple]:
    path = seed_path(prefix)
    article = clean_article(parse_press_text(path.read_text(encoding="utf-8"), "s", "u"))
    return {t.topic: t for t in classify(article.title, article.clean_text, rules)}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("003", {"customs"}), ("001", {"customs", "resumption"}), ("002", {"resumption", "finance"})],
)
def test_seed_topics(rules, prefix, expected):
    found = topics_of(prefix, rules)
    assert expected <= set(found)
    for topic in expected:
        assert 0.5 <= found[topic].score < 1
        assert found[topic].evidence


def test_every_seed_gets_a_topic(rules):
    for prefix in ("000", "001", "002", "003", "004"):
        assert topics_of(prefix, rules), prefix


def test_customs_statistics_are_not_a_customs_topic(rules):
    # Seed 004 cites GACC statistics about exports: a trade statistic, not a customs measure or finance.
    found = topics_of("004", rules)
    assert "customs" not in found
    assert "finance" not in found


def test_evidence_names_the_terms_and_counts(rules):
    evidence = topics_of("003", rules)["customs"].evidence
    assert any(e.startswith("customs clearance×") for e in evidence)


def test_chinese_terms_match(rules):
    found = {
        t.topic
        for t in classify(
            "海关总署出台措施", "海关总署发布公告，进一步提升通关便利化水平，支持企业复工复产。", rules
        )
    }
    assert {"customs", "resumption"} <= found


def test_health_quarantine_of_travellers_is_not_customs(rules):
    text = "Customs officers stepped up health quarantine of inbound travellers at the airport."
    assert "customs" not in {t.topic for t in classify("", text, rules)}


def test_bad_rules_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "topics.toml"
    bad.write_text('[topic.weather]\nterms = { "rain" = 1.0 }\n', encoding="utf-8")
    with pytest.raises(RulesError, match="unknown topic"):
        load_rules(bad)
