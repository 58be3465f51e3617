"""The warehouse on DuckLake: the migration transform, the backend switch, and (slow, with a real
PostgreSQL catalog) two worker processes loading overlapping articles at once."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from batches import load_rows
from conftest import ROOT, SEEDS
from parsers.model import Article, Document, Failure, Link, Source
from parsers.pipeline import CrawlState, Sighting
from warehouse import crawl, db, extensions, lake, lake_sql, load, runs
from warehouse.db import WarehouseError

BATCH = 200
PER_WORKER = 2000  # each worker loads 2,000 articles; half of them the other worker loads too


# --- The migration transform (fast) --------------------------------------------------------


def test_ducklake_sql_drops_keys_and_indexes_but_not_comments_strings_or_not_null():
    sql = """
    -- a UNIQUE id; PRIMARY KEY in a comment stays
    CREATE TABLE t (
        id    VARCHAR PRIMARY KEY,      -- the key
        code  VARCHAR UNIQUE NOT NULL,
        note  VARCHAR DEFAULT 'PRIMARY KEY; UNIQUE',
        "unique" INTEGER,
        UNIQUE (code, note)
    );
    CREATE UNIQUE INDEX t_code ON t (code);
    CREATE INDEX t_note ON t (note);
    CREATE OR REPLACE VIEW v AS SELECT id FROM t;
    """
    out = lake_sql.ducklake_sql(sql)
    assert "PRIMARY KEY," not in out and "INDEX" not in out
    assert "id    VARCHAR,      -- the key" in out
    assert "code  VARCHAR NOT NULL," in out
    assert "DEFAULT 'PRIMARY KEY; UNIQUE'" in out and '"unique" INTEGER' in out
    assert "-- a UNIQUE id; PRIMARY KEY in a comment stays" in out
    assert "UNIQUE (code" not in out
    assert "CREATE OR REPLACE VIEW v AS SELECT id FROM t;" in out


def test_ducklake_sql_drops_column_comments_of_views_only():
    sql = """
    CREATE OR REPLACE VIEW main."topic_daily" AS SELECT 1 AS day;
    COMMENT ON VIEW topic_daily IS 'Per day; kept';
    COMMENT ON COLUMN topic_daily.day IS 'dropped: a view''s column';
    COMMENT ON COLUMN articles.url IS 'dropped: articles is a view from an earlier migration';
    COMMENT ON COLUMN ingest_runs."status" IS 'kept: a table''s column';
    """
    assert lake_sql.view_names(sql) == {"topic_daily"}
    out = lake_sql.ducklake_sql(sql, views=frozenset({"articles"}))
    assert "COMMENT ON VIEW topic_daily IS 'Per day; kept';" in out
    assert "dropped" not in out
    assert "COMMENT ON COLUMN ingest_runs.\"status\" IS 'kept: a table''s column';" in out


def test_a_migration_marked_skip_is_empty_on_the_lake_only():
    sql = "-- ducklake: skip (keys only)\nCREATE TABLE t2 AS SELECT * FROM t;\nDROP TABLE t;"
    assert lake_sql.ducklake_sql(sql) == ""
    assert "DROP TABLE" in lake_sql.ducklake_sql(sql.split("\n", 1)[1])


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (n INTEGER CHECK (n > 0))",
        "CREATE TABLE t (a VARCHAR REFERENCES u (a))",
        "CREATE TABLE t (a VARCHAR, CONSTRAINT k PRIMARY KEY (a))",
        "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
        "INSERT OR REPLACE INTO t VALUES (1)",
    ],
)
def test_ducklake_sql_refuses_what_it_cannot_translate(sql):
    with pytest.raises(WarehouseError, match="DuckLake cannot apply"):
        lake_sql.ducklake_sql(sql)


def test_every_shipped_migration_translates():
    views: set[str] = set()
    for migration in db.migrations():
        out = lake_sql.ducklake_sql(migration.sql, frozenset(views))
        views |= lake_sql.view_names(migration.sql)
        code = " ".join(text for piece in lake_sql._statements(out) for is_code, text in piece if is_code)
        assert "PRIMARY KEY" not in code.upper() and "UNIQUE" not in code.upper(), migration.name


# --- The backend switch, on a local DuckDB catalog (fast) -----------------------------------


@pytest.fixture
def local_lake(tmp_path, monkeypatch) -> lake.LakeConfig:
    """TRADEWIRE_CATALOG pointing at a DuckDB catalog file: the same code path minus PostgreSQL."""
    monkeypatch.setenv("TRADEWIRE_CATALOG", str(tmp_path / "lake" / "catalog.ducklake"))
    monkeypatch.setenv("TRADEWIRE_LAKE_DATA", str(tmp_path / "lake" / "data"))
    cfg = lake.config()
    assert cfg is not None
    return cfg


def columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "SELECT table_schema || '.' || table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_catalog = ? ORDER BY table_schema, table_name, ordinal_position",
        [catalog],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, type_ in rows:
        out.setdefault(table, []).append((column, type_))
    return out


def test_lake_schema_is_the_duckdb_schema(local_lake, tmp_path):
    with db.writer(tmp_path / "unused.duckdb") as con:
        assert con.execute("SELECT current_database()").fetchone() == ("lake",)
        on_lake = columns(con, "lake")
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    plain = duckdb.connect(":memory:")
    db.migrate(plain)
    assert on_lake == columns(plain, "memory")  # every table and view, column for column, type for type
    assert versions == [m.version for m in db.migrations()]
    assert not (tmp_path / "unused.duckdb").exists() and not (tmp_path / "unused.primary.duckdb").exists()


def seed_article(i: int) -> Article:
    from parsers.stories.hashing import content_hash

    text = f"Customs clearance at Dalian port, item {i}."
    return Article(source_id="s1", url=f"https://example.org/{i}", title="T", raw_text=text,
                   paragraphs=(text,), clean_text=text, content_hash=content_hash(text))  # fmt: skip


def test_writer_connect_and_publish_switch_to_the_lake(local_lake, tmp_path):
    path = tmp_path / "tw.duckdb"
    a = seed_article(1)
    with db.writer(path) as con:
        result = load_rows(con, "r1", [a], [Sighting(a.url, a.article_id, a.source_id)], [])
    assert result.new_article_ids == (a.article_id,)
    db.publish(path)  # nothing to publish: commits are the analysts' snapshots
    assert not path.exists()
    with db.connect(path, read_only=True) as con:
        assert con.execute("SELECT article_id FROM articles").fetchall() == [(a.article_id,)]
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM core.articles")
    with db.writer(path) as con:
        assert load.known_article_ids(con, [a.article_id, "0" * 16]) == {a.article_id}
        assert lake.migrate(con) == []  # already at the latest schema
    assert db.connect(":memory:").execute("SELECT count(*) FROM articles").fetchone() == (
        0,
    )  # tests stay local


def test_without_the_variables_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.delenv("TRADEWIRE_CATALOG", raising=False)
    monkeypatch.delenv("TRADEWIRE_LAKE_DATA", raising=False)
    assert db.lake_config() is None
    path = tmp_path / "tw.duckdb"
    with db.writer(path) as con:
        assert con.execute(
            "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'lake'"
        ).fetchone() == (0,)
    assert db.primary_path(path).exists()
    db.publish(path)
    assert path.exists()


def test_lake_data_alone_is_an_error(monkeypatch):
    monkeypatch.delenv("TRADEWIRE_CATALOG", raising=False)
    monkeypatch.setenv("TRADEWIRE_LAKE_DATA", "/tmp/somewhere")
    with pytest.raises(WarehouseError, match="TRADEWIRE_CATALOG"):
        db.lake_config()


# --- A real PostgreSQL catalog (slow) --------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A PostgreSQL server on 127.0.0.1 for the session (installed with apt-get if missing)."""
    import postgres as pg

    server = pg.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class PgLake:
    cfg: lake.LakeConfig

    @property
    def env(self) -> dict[str, str]:
        return {"TRADEWIRE_CATALOG": self.cfg.catalog, "TRADEWIRE_LAKE_DATA": self.cfg.data_path or ""}


_databases = iter(range(1, 1000))


@pytest.fixture
def pg_lake(postgres, tmp_path, monkeypatch) -> PgLake:
    """A fresh, empty lake: a new catalog database and data folder; the variables set for this test."""
    libpq = postgres.create_database(f"lake{next(_databases)}")  # type: ignore[attr-defined]
    cfg = lake.LakeConfig(f"postgres:{libpq}", str(tmp_path / "lake-data") + "/")
    for name, value in PgLake(cfg).env.items():
        monkeypatch.setenv(name, value)
    return PgLake(cfg)


def press_articles(n: int) -> list[Article]:
    """`n` distinct real articles: the seed texts parsed, cleaned and classified, then varied by a closing line."""
    from parsers.classify.topics import classify, load_rules
    from parsers.clean.press import clean_article
    from parsers.extract.documents import parse_document
    from parsers.stories.hashing import content_hash

    source = Source("seed-press", "Seed press", "files", str(SEEDS))
    rules = load_rules()
    seeds = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = Document("seed-press", path.as_uri(), path.read_bytes(), datetime(2026, 1, 1))
        article = clean_article(parse_document(source, doc))  # type: ignore[arg-type]
        seeds.append(replace(article, topics=classify(article.title, article.clean_text, rules)))
    out = []
    for i in range(n):
        seed = seeds[i % len(seeds)]
        line = f"\n\nThe office answered question number {i} on customs clearance."
        text = seed.clean_text + line
        out.append(replace(seed, url=f"https://press.example/{i}", raw_text=seed.raw_text + line,
                           clean_text=text, content_hash=content_hash(text),
                           topics=seed.topics if i % 10 else ()))  # fmt: skip
    return out


def worker(spec_path: str) -> None:
    """One loading process (run by the test in its own interpreter): batches through the public API."""
    spec = json.loads(Path(spec_path).read_text())
    articles: list[Article] = pickle.loads(Path(spec["articles"]).read_bytes())
    mine = [articles[i] for i in spec["order"]]
    mirrored = set(spec["mirrored"])
    run_id = spec["run_id"]
    while time.time() < spec["start_at"]:  # both start together, on a lake not yet migrated
        time.sleep(0.001)
    began = time.monotonic()
    with db.writer(spec["db"]) as con:
        runs.start_run(con, run_id, "default", "test", None)
    new: list[str] = []
    opened = loading = 0.0
    for start in range(0, len(mine), BATCH):
        batch = mine[start : start + BATCH]
        sightings = [Sighting(a.url, a.article_id, a.source_id) for a in batch]
        sightings += [
            Sighting(f"https://mirror.example/{a.url.rsplit('/', 1)[1]}", a.article_id, "mirror")
            for a in batch
            if a.url.rsplit("/", 1)[1] in mirrored
        ]
        failures = [
            Failure(a.source_id, f"https://press.example/broken-{run_id}-{start}", "parse", "x")
            for a in batch[:1]
        ]
        asked = time.monotonic()
        with db.writer(spec["db"]) as con:  # waits for the lake's lock, attaches, checks migrations
            got = time.monotonic()
            result = load_rows(con, run_id, batch, sightings, failures)
            loading += time.monotonic() - got
        opened += got - asked
        new += result.new_article_ids
    with db.writer(spec["db"]) as con:
        runs.finish_run(con, run_id, "completed", len(mine), len(new), len(mine) - len(new), 0)
    elapsed = time.monotonic() - began
    Path(spec["out"]).write_text(
        json.dumps({"new": new, "elapsed": elapsed, "opened": opened, "loading": loading})
    )


def start_worker(spec: dict[str, object], tmp_path: Path, name: str) -> subprocess.Popen[str]:
    spec_path = tmp_path / f"{name}.json"
    spec_path.write_text(json.dumps(spec))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    code = f"from test_ducklake import worker; worker({str(spec_path)!r})"
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip


@pytest.mark.slow
def test_two_concurrent_loaders_store_every_article_once(pg_lake, tmp_path):
    total = PER_WORKER * 3 // 2
    articles = press_articles(total)
    (tmp_path / "articles.pkl").write_bytes(pickle.dumps(articles))
    half = PER_WORKER // 2
    # Both workers start on the shared half, with batch edges 100 apart, then go on to their own half.
    orders = {
        "a": [*range(half, PER_WORKER), *range(half)],
        "b": [*range(half + 100, PER_WORKER), *range(half, half + 100), *range(PER_WORKER, total)],
    }
    mirrored = [str(i) for i in range(half, PER_WORKER)]  # b also finds the shared half on a mirror
    start_at = time.time() + 3
    runs = {
        name: start_worker(
            {
                "articles": str(tmp_path / "articles.pkl"),
                "order": order,
                "mirrored": mirrored if name == "b" else [],
                "run_id": f"run-{name}",
                "db": str(tmp_path / "tw.duckdb"),
                "start_at": start_at,
                "out": str(tmp_path / f"{name}.out.json"),
            },
            tmp_path,
            name,
        )
        for name, order in orders.items()
    }
    outputs = {name: run.communicate(timeout=240)[0] for name, run in runs.items()}
    assert [run.returncode for run in runs.values()] == [0, 0], outputs
    results = {name: json.loads((tmp_path / f"{name}.out.json").read_text()) for name in runs}

    ids = {a.article_id for a in articles}
    new_a, new_b = set(results["a"]["new"]), set(results["b"]["new"])
    assert not new_a & new_b, "an article was loaded by both workers"
    assert new_a | new_b == ids
    assert len(results["a"]["new"]) + len(results["b"]["new"]) == total

    with db.connect(tmp_path / "tw.duckdb", read_only=True) as con:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        assert q("SELECT count(*), count(DISTINCT article_id) FROM articles") == [(total, total)]
        stored = {r[0] for r in q("SELECT article_id FROM articles")}
        assert stored == ids  # nothing lost, nothing extra
        expected_topics = {(a.article_id, t.topic) for a in articles for t in a.topics}
        assert q("SELECT count(*) FROM article_topics") == [(len(expected_topics),)]
        assert {(r[0], r[1]) for r in q("SELECT article_id, topic FROM article_topics")} == expected_topics
        assert q("SELECT count(*) FROM article_topics ANTI JOIN articles USING (article_id)") == [(0,)]
        # every article at its press URL once, the shared half also at its mirror URL once
        assert q("SELECT count(*), count(DISTINCT (url, article_id)) FROM core.sightings") == [
            (total + half, total + half)
        ]
        assert q("SELECT count(DISTINCT article_id) FROM core.sightings") == [(total,)]
        assert q("SELECT count(*) FROM failures") == [(2 * PER_WORKER // BATCH,)]
        assert q("SELECT run_id, status FROM ingest_runs ORDER BY 1") == [
            ("run-a", "completed"),
            ("run-b", "completed"),
        ]
        # both workers migrated a fresh lake at the same moment: each migration applied once
        assert q("SELECT version, count(*) FROM schema_migrations GROUP BY 1 ORDER BY 1") == [
            (m.version, 1) for m in db.migrations()
        ]
    for name, result in results.items():
        print(
            f"worker {name}: {PER_WORKER} articles in {result['elapsed']:.1f} s"
            f" ({PER_WORKER / result['elapsed']:.0f}/s); waiting+attaching {result['opened']:.1f} s,"
            f" loading {result['loading']:.1f} s; new {len(result['new'])}"
        )


@pytest.mark.slow
def test_ducklake_alone_does_not_stop_a_concurrent_duplicate(pg_lake):
    """Why writers hold the lock: two unlocked transactions anti-join-insert one key; both commit."""
    first, second = lake.open_lake(pg_lake.cfg), lake.open_lake(pg_lake.cfg)
    first.execute("CREATE TABLE k (id VARCHAR NOT NULL)")
    for con in (first, second):
        con.execute("BEGIN TRANSACTION")
    for con in (first, second):
        con.execute("INSERT INTO k SELECT * FROM (SELECT 'x' AS id) ANTI JOIN k USING (id)")
    first.execute("COMMIT")
    second.execute("COMMIT")  # no conflict: DuckLake sees two appends, not a key clash
    assert first.execute("SELECT count(*) FROM k").fetchone() == (2,)


@pytest.mark.slow
def test_the_lock_is_held_across_processes_while_a_writer_is_open(pg_lake, tmp_path):
    with db.writer(tmp_path / "tw.duckdb"):
        pass  # create and migrate the lake
    code = (
        "import time; from warehouse import lake; cfg = lake.config()\n"
        "with lake.lock(cfg): print(time.time())"
    )
    with db.writer(tmp_path / "tw.duckdb"):
        other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        time.sleep(2.0)
        assert other.poll() is None  # still waiting for our lock
        released = time.time()
    acquired = float(other.communicate(timeout=60)[0])
    assert acquired >= released  # it got the lock only once ours was released
    with (
        pytest.raises(WarehouseError, match="held the lake's lock"),
        lake.lock(pg_lake.cfg),
        lake.lock(pg_lake.cfg, timeout=0.5),
    ):
        pass


@pytest.mark.slow
def test_flow_api_on_the_lake(pg_lake, tmp_path):
    path = tmp_path / "tw.duckdb"
    articles = press_articles(3)
    with db.writer(path) as con:
        assert con.execute("SELECT current_database()").fetchone() == ("lake",)
        assert load.known_article_ids(con, [a.article_id for a in articles]) == set()
        assert crawl.index_validators(con, "seed-press") == {}
        load_rows(con, "r1", articles[:2], [Sighting(a.url, a.article_id, a.source_id) for a in articles], [])
        con.execute(  # an index page's validators, as a crawl stores them
            "INSERT INTO core.http_cache VALUES ('https://press.example/feed', 'seed-press', 'index', 200,"
            " '\"v1\"', 'Mon, 01 Jan 2026 00:00:00 GMT', 'abc', TIMESTAMP '2026-01-01',"
            " md5_number_lower('https://press.example/feed'))"
        )
    with db.writer(path) as con:
        assert load.known_article_ids(con, [a.article_id for a in articles]) == {
            a.article_id for a in articles[:2]
        }
        validators = crawl.index_validators(con, "seed-press")
        assert list(validators) == ["https://press.example/feed"]
        assert validators["https://press.example/feed"].etag == '"v1"'
    db.publish(path)  # a no-op on the lake
    assert not path.exists() and not db.primary_path(path).exists()

    # An analyst's own session: the documented ATTACH line, read-only, any alias.
    analyst = duckdb.connect(config={"autoinstall_known_extensions": False,
                                     "extension_directory": str(extensions.extension_directory())})  # fmt: skip
    extensions.load_extension(analyst, "ducklake")
    extensions.load_extension(analyst, "postgres_scanner")
    analyst.execute(f"ATTACH 'ducklake:{pg_lake.cfg.catalog}' AS tradewire (READ_ONLY)")
    assert analyst.execute("SELECT count(*) FROM tradewire.articles").fetchone() == (2,)
    assert analyst.execute("SELECT count(*) FROM tradewire.main.source_health").fetchone() == (0,)


@pytest.mark.slow
def test_crawl_state_on_the_lake(pg_lake, tmp_path):
    """Fetched pages become known, validators are replaced, failed URLs count their attempts."""
    from warehouse import crawl

    doc = Document("web", "https://press.example/page", b"x", datetime(2026, 1, 1), sha256="abc", etag='"1"')
    index = Document("web", "https://press.example/feed", b"x", datetime(2026, 1, 1), sha256="f1", etag='"a"')
    late = Link("https://press.example/late", "Late", via="feed")
    with db.writer(tmp_path / "tw.duckdb") as con:
        load_rows(con, "r1", [], [], [], fetched=[doc])
        load_rows(con, "r2", [], [], [], fetched=[doc])  # fetched again: replaced, not doubled
        with load.transaction(con):
            crawl.record(con, "web", CrawlState(index_pages=(index,), failed=((late, "timed out"),)))
        with load.transaction(con):
            crawl.record(
                con, "web", CrawlState(index_pages=(replace(index, etag='"b"'),), failed=((late, "again"),))
            )
        assert crawl.known_urls(con, [doc.url, late.url]) == {doc.url}
        assert crawl.index_validators(con, "web")[index.url].etag == '"b"'
        assert [(p.url, p.attempts) for p in crawl.pending(con, "web")] == [(late.url, 2)]
        assert con.execute("SELECT count(*) FROM core.http_cache").fetchone() == (2,)


@pytest.mark.slow
def test_publish_on_the_lake_skips_the_search_index_and_search_says_why(pg_lake, tmp_path):
    from flows.tasks import publish
    from warehouse import search
    from warehouse.handle import Warehouse

    warehouse = Warehouse.open(tmp_path / "tw.duckdb")  # creates and migrates the lake
    assert warehouse.on_lake
    assert publish.fn(warehouse, new_articles=3) is False  # nothing to copy, no index
    with (
        db.connect(tmp_path / "tw.duckdb", read_only=True) as con,
        pytest.raises(WarehouseError, match="DuckLake"),
    ):
        search.search(con, "customs clearance")


@pytest.mark.slow
def test_threads_of_one_worker_share_its_duckdb_and_still_take_turns(pg_lake, tmp_path):
    """Prefect runs tasks in threads: writers in one process are cursors on one DuckDB, one at a time."""
    import threading

    path = tmp_path / "tw.duckdb"
    articles = press_articles(400)
    errors: list[BaseException] = []

    def load_part(part: list[Article], run_id: str) -> None:
        try:
            for start in range(0, len(part), 100):
                batch = part[start : start + 100]
                with db.writer(path) as con:
                    load_rows(
                        con,
                        run_id,
                        batch,
                        [Sighting(a.url, a.article_id, a.source_id) for a in batch],
                        [],
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=load_part, args=(articles[:300], "t1")),
        threading.Thread(target=load_part, args=(articles[100:], "t2")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    with db.connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (
            400,
            400,
        )
        assert con.execute("SELECT count(*) FROM core.sightings").fetchone() == (400,)

    with pytest.raises(RuntimeError), db.writer(path):
        raise RuntimeError("a task failed mid-write")
    with db.writer(path) as con:  # a fresh DuckDB after the failure; the lock was released
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (400,)
