-- core.articles without its PRIMARY KEY (issue 16). DuckDB 1.5.5 rewrites the last, partly filled
-- row group of a table with a key at every checkpoint (its ART index pins it), which held loads
-- at about 1k rows/s. Uniqueness does not need the key: every insert into core.articles is an
-- anti-join on article_id inside the batch's transaction (warehouse/load.py), and loads take
-- turns on the write lock. DuckDB cannot drop a key in place, so the table is rebuilt; the views
-- name it and bind again when queried.
CREATE TABLE core.articles_015 (
    article_id    VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    title         VARCHAR,
    title_source  VARCHAR,
    published_at  TIMESTAMP,
    date_text     VARCHAR,
    date_source   VARCHAR,
    agency        VARCHAR,
    author        VARCHAR,
    language      VARCHAR,
    clean_text    VARCHAR NOT NULL,
    raw_text      VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    loaded_at     TIMESTAMP NOT NULL,
    story_id      VARCHAR,
    canonical_url VARCHAR,
    official      BOOLEAN
);
INSERT INTO core.articles_015 SELECT * FROM core.articles;
DROP TABLE core.articles;
ALTER TABLE core.articles_015 RENAME TO articles;

-- The same for core.http_cache (one row per fetched URL, as many rows as articles): every write
-- replaces a URL's row by a delete and an insert (warehouse/crawl.py upsert_cache, as on DuckLake,
-- whose tables have no keys), inside the write lock.
CREATE TABLE core.http_cache_016 (
    url            VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    status         INTEGER NOT NULL,
    etag           VARCHAR,
    last_modified  VARCHAR,
    sha256         VARCHAR,
    fetched_at     TIMESTAMP NOT NULL
);
INSERT INTO core.http_cache_016 SELECT * FROM core.http_cache;
DROP TABLE core.http_cache;
ALTER TABLE core.http_cache_016 RENAME TO http_cache;
