"""The key-ordered band index finds exactly the pairs DuckDB's band join finds, whatever happened to its files.

Real texts: the 630 of the near-duplicate set (tests/data/neardup), loaded in batches into a warehouse
file, as the loader does. After every batch the index's candidates are compared with the SQL join's
on the same transaction; the index's files are then put behind (a crash between the commit and the
files), a batch is rolled back, and a second process's index reads what the first wrote; the same
articles stored again with other story ids (a reparse rolled back, a copy restored) or twice, files
cut short by a crash, and a read-only connection.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from parsers.stories import neardup
from tests.test_story_candidates import _articles
from warehouse import band_index, db, load, stories, story_candidates

BATCH = 60


def _sql_candidates(con, bands: pa.Table) -> set[tuple[int, int, int, int]]:
    con.register("new_bands", bands)
    try:
        found = con.execute(story_candidates._CANDIDATES).fetchall()
    finally:
        con.unregister("new_bands")
    return {tuple(int(v) for v in row) for row in found}  # type: ignore[misc]


def _index_candidates(con, bands: pa.Table) -> set[tuple[int, int, int, int]]:
    found, _ = story_candidates.candidates(con, bands)
    return set(zip(*(found[k].tolist() for k in ("a", "b", "shared", "n_shingles")), strict=True))


def _bands(batch) -> pa.Table:
    sketch = neardup.sketch([a.clean_text for a in batch])
    keys = np.array([neardup.article_key(a.article_id) for a in batch], np.int64)
    return neardup.band_rows(keys, sketch).cast(
        stories._bands(neardup.band_rows([], neardup.sketch([]))).schema
    )


@pytest.fixture
def warehouse(tmp_path: Path):
    con = db.connect(tmp_path / "tw.primary.duckdb")
    yield con, tmp_path / "tw.primary.duckdb.bands"
    con.close()


def _load(con, batch) -> None:
    _, sketches = stories.assign(con, [replace(a) for a in batch])
    stories.store(con, sketches)


def test_index_candidates_are_the_band_joins(warehouse):
    con, folder = warehouse
    articles = _articles()
    batches = [articles[i : i + BATCH] for i in range(0, len(articles), BATCH)]
    index = band_index.for_connection(con)
    assert index is not None
    pairs = 0
    for batch in batches:
        bands = _bands(batch)
        expected = _sql_candidates(con, bands)
        assert _index_candidates(con, bands) == expected
        members = np.array(sorted({b for _, b, _, _ in expected}), np.int64)
        from_index = index.members(members).sort_by("article_key")
        assert (
            from_index.to_pylist() == story_candidates.fetch(con, members).sort_by("article_key").to_pylist()
        )
        pairs += len(expected)
        _load(con, batch)
    assert pairs > 300  # the set's variants meet their bases
    assert index.rebuilds == 1  # the empty warehouse's base, once
    assert (folder / "meta.json").exists()


def test_stories_on_a_file_are_those_in_memory(warehouse):
    con, _ = warehouse
    memory = db.connect(":memory:")  # no index there: the SQL join
    articles = _articles()[:300]
    got: dict[str, str | None] = {}
    want: dict[str, str | None] = {}
    for i in range(0, len(articles), BATCH):
        batch = articles[i : i + BATCH]
        for c, out in ((con, got), (memory, want)):
            placed, sketches = stories.assign(c, [replace(a) for a in batch])
            stories.store(c, sketches)
            out.update((a.article_id, a.story_id) for a in placed)
    memory.close()
    assert got == want
    assert len(set(got.values())) < len(got)  # some variants joined a story


def test_files_behind_the_warehouse_are_rebuilt(warehouse, tmp_path):
    con, folder = warehouse
    articles = _articles()
    _load(con, articles[:BATCH])
    saved = tmp_path / "saved"
    shutil.copytree(folder, saved)
    _load(con, articles[BATCH : 2 * BATCH])
    shutil.rmtree(folder)
    shutil.copytree(saved, folder)  # as if the process died after COMMIT, before the delta's files
    index = band_index.BandIndex(folder)  # the next process
    before = index.rebuilds
    con_next = con
    bands = _bands(articles[2 * BATCH : 3 * BATCH])
    rows, arts = index.lookup(con_next, bands.column("key").to_numpy())
    assert index.rebuilds == before + 1
    found = set(zip(bands.column("article_key").to_numpy()[rows].tolist(), arts.tolist(), strict=True))
    expected = {(a, b) for a, b, _, _ in _sql_candidates(con, bands)}
    assert expected and expected <= found


def test_a_rolled_back_batch_is_not_found(warehouse):
    con, _ = warehouse
    articles = _articles()
    _load(con, articles[:BATCH])
    index = band_index.for_connection(con)
    assert index is not None
    rebuilds = index.rebuilds
    con.execute("BEGIN TRANSACTION")
    _load(con, articles[BATCH : 2 * BATCH])
    con.execute("ROLLBACK")
    for batch in (articles[BATCH : 2 * BATCH], articles[2 * BATCH : 3 * BATCH]):
        bands = _bands(batch)
        assert _index_candidates(con, bands) == _sql_candidates(con, bands)
        _load(con, batch)
    assert index.rebuilds == rebuilds  # the rolled-back delta is skipped, nothing read again


def test_a_second_process_sees_the_first_ones_batches(warehouse):
    con, folder = warehouse
    articles = _articles()
    first = band_index.for_connection(con)
    assert first is not None
    _load(con, articles[:BATCH])
    other = band_index.BandIndex(folder)  # another process's view of the same files
    other.lookup(con, np.zeros(1, np.int64))
    assert other.rebuilds == 0
    _load(con, articles[BATCH : 2 * BATCH])  # written by the first
    bands = _bands(articles[2 * BATCH : 3 * BATCH])
    rows, arts = other.lookup(con, bands.column("key").to_numpy())
    assert other.rebuilds == 0  # it read the first one's new delta
    found = set(zip(bands.column("article_key").to_numpy()[rows].tolist(), arts.tolist(), strict=True))
    assert {(a, b) for a, b, _, _ in _sql_candidates(con, bands)} <= found


def test_deltas_fold_into_the_base(warehouse, monkeypatch):
    con, folder = warehouse
    monkeypatch.setattr(band_index, "MAX_DELTAS", 3)
    articles = _articles()
    _load(con, articles[:300])
    for i in range(300, len(articles), 20):
        batch = articles[i : i + 20]
        bands = _bands(batch)
        assert _index_candidates(con, bands) == _sql_candidates(con, bands)
        _load(con, batch)
        index = band_index.for_connection(con)
        assert index is not None and len(index.deltas) <= 4  # folded at the next look-up
    files = sorted(p.name.split("-")[0] for p in folder.glob("*-*.np[yz]"))
    assert files.count("base") == 2  # keys and article keys of one base; folded deltas are gone


def _same_as_sql(con, batch) -> None:
    """The index's pairs and member rows (story ids included) are the SQL join's and the table's."""
    bands = _bands(batch)
    expected = _sql_candidates(con, bands)
    assert _index_candidates(con, bands) == expected
    members = np.array(sorted({b for _, b, _, _ in expected}), np.int64)
    index = band_index.for_connection(con)
    assert index is not None
    order = [("article_key", "ascending"), ("story_id", "ascending")]
    got = index.members(members).sort_by(order).to_pylist()
    assert got == story_candidates.fetch(con, members).sort_by(order).to_pylist()


def _reparse(con, articles) -> None:
    """As flows.reparse does: clear, then the same articles again (here in the other order)."""
    load.clear_articles(con)
    for i in range(0, len(articles), BATCH):
        _load(con, articles[::-1][i : i + BATCH])


def test_a_rolled_back_reparse_of_the_same_articles_is_not_used(warehouse):
    con, _ = warehouse
    articles = _articles()
    for i in range(0, 240, BATCH):
        _load(con, articles[i : i + BATCH])
    stored = con.execute("SELECT article_key, story_id FROM core.dedup_signatures ORDER BY 1").fetchall()
    con.execute("BEGIN TRANSACTION")
    _reparse(con, articles[:240])  # the same articles, hence the same count and key sum
    changed = con.execute("SELECT article_key, story_id FROM core.dedup_signatures ORDER BY 1").fetchall()
    con.execute("ROLLBACK")  # killed during COMMIT, say
    assert changed != stored  # the other order founded some stories on other members
    _same_as_sql(con, articles[240:300])


def test_a_warehouse_restored_from_a_copy_is_not_mistaken_for_the_index(tmp_path):
    path = tmp_path / "tw.primary.duckdb"
    articles = _articles()
    con = db.connect(path)
    for i in range(0, 240, BATCH):
        _load(con, articles[i : i + BATCH])
    con.close()
    shutil.copyfile(path, tmp_path / "backup.duckdb")
    con = db.connect(path)
    con.execute("BEGIN TRANSACTION")
    _reparse(con, articles[:240])
    con.execute("COMMIT")
    con.close()
    shutil.copyfile(tmp_path / "backup.duckdb", path)  # the backup put back
    con = db.connect(path)
    try:
        _same_as_sql(con, articles[240:300])
    finally:
        con.close()


@pytest.mark.parametrize("pattern, keep", [("delta-*.npz", 0.5), ("base-*.keys.npy", 0.0)])
def test_files_cut_short_by_a_crash_are_rebuilt(warehouse, pattern, keep):
    con, folder = warehouse
    articles = _articles()
    for i in range(0, 3 * BATCH, BATCH):
        _load(con, articles[i : i + BATCH])
    (cut,) = folder.glob(pattern)  # listed in meta.json, its data lost (a power cut before the disk had it)
    cut.write_bytes(cut.read_bytes()[: int(cut.stat().st_size * keep)])
    band_index._OPEN.clear()  # the next process
    _same_as_sql(con, articles[3 * BATCH : 4 * BATCH])


def test_a_read_only_connection_writes_no_files(tmp_path):
    path = tmp_path / "tw.primary.duckdb"
    articles = _articles()
    con = db.connect(path)
    _load(con, articles[:BATCH])
    con.close()
    shutil.rmtree(tmp_path / "tw.primary.duckdb.bands")
    band_index._OPEN.clear()
    reader = db.connect(path, read_only=True)  # an analyst's session, maybe on a read-only disk
    try:
        bands = _bands(articles[BATCH : 2 * BATCH])
        assert _index_candidates(reader, bands) == _sql_candidates(reader, bands)
    finally:
        reader.close()
    assert not (tmp_path / "tw.primary.duckdb.bands").exists()


def test_an_article_stored_again_with_the_same_key_is_counted_twice(warehouse):
    con, folder = warehouse
    articles = _articles()
    _load(con, articles[:BATCH])
    shutil.rmtree(folder)  # behind: the next store rebuilds
    band_index._OPEN.clear()
    _load(con, articles[:BATCH])  # the same articles stored again: two rows per key in the tables
    _same_as_sql(con, articles[BATCH : 2 * BATCH])


def test_an_article_stored_again_while_the_folder_is_deleted(warehouse):
    con, folder = warehouse
    articles = _articles()
    _load(con, articles[:BATCH])
    _, sketches = stories.assign(con, [replace(a) for a in articles[:BATCH]])
    shutil.rmtree(folder)  # "deleting the folder is safe" (docs/dedup.md), even during a load
    band_index._OPEN.clear()
    stories.store(con, sketches)  # the same keys again: the rebuild must keep the first copies
    _same_as_sql(con, articles[BATCH : 2 * BATCH])
