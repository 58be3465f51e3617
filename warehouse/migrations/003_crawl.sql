-- Crawl state: validators for conditional GETs, and URLs discovered but not loaded yet.

-- One row per fetched URL (index pages and articles). An article URL with status 200 here is
-- "known": it is not fetched again. Index pages keep their ETag / Last-Modified / body hash.
CREATE TABLE core.http_cache (
    url            VARCHAR PRIMARY KEY,
    source_id      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,      -- index | article
    status         INTEGER NOT NULL,
    etag           VARCHAR,
    last_modified  VARCHAR,
    sha256         VARCHAR,
    fetched_at     TIMESTAMP NOT NULL
);

-- Discovered article URLs whose fetch failed: retried by later runs (up to a few attempts),
-- since an unchanged index page will not list them again.
CREATE TABLE core.frontier (
    url          VARCHAR PRIMARY KEY,
    source_id    VARCHAR NOT NULL,
    title_hint   VARCHAR,
    date_hint    TIMESTAMP,
    date_text    VARCHAR,
    hint_source  VARCHAR,
    first_seen   TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL,
    last_error   VARCHAR
);
