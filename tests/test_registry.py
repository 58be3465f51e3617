import pytest

from parsers.documents import PARSERS
from parsers.registry import RegistryError, load_registry


def test_every_enabled_source_has_a_parser_and_a_recorded_sample():
    registry = load_registry()
    assert registry.sources
    for source in registry.sources:
        if not source.enabled:
            continue
        assert source.parser in PARSERS, f"{source.id}: no parser {source.parser!r}"
        assert source.sample is not None and source.sample.is_file(), f"{source.id}: no recorded sample"


def test_default_profile_is_the_offline_seed_source():
    ids = [s.id for s in load_registry().select("default")]
    assert ids == ["seed-press"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[source]]\nid = "x"\nname = "x"\nkind = "ftp"\nurl = "u"\n', "kind must be one of"),
        ('[[source]]\nid = "x"\nname = "x"\nkind = "feed"\n', "'url' is required"),
        ('[[source]]\nid = "x"\nname = "x"\nkind = "feed"\nurl = "u"\ncolour = 1\n', "unknown key"),
        ('[[source]]\nid = "x"\nname = "x"\nkind = "feed"\nurl = "u"\n' * 2, "duplicate source id"),
        ("[[source]\n", "not valid TOML"),
    ],
)
def test_invalid_registries_are_clear_errors(tmp_path, toml, message):
    path = tmp_path / "sources.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


def test_sources_are_frozen():
    source = load_registry().sources[0]
    with pytest.raises(AttributeError):
        source.url = "elsewhere"  # type: ignore[misc]


def test_unknown_source_id_is_refused():
    with pytest.raises(RegistryError, match="unknown source"):
        load_registry().select(only=("nope",))
