-- The core of the warehouse: base tables live in schema `core`; analysts query the views in `main`.

CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE ingest_runs (
    run_id       VARCHAR PRIMARY KEY,
    flow_run_id  VARCHAR,
    profile      VARCHAR,
    registry     VARCHAR,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,           -- running | completed | partial | failed
    found        INTEGER DEFAULT 0,
    new          INTEGER DEFAULT 0,
    duplicate    INTEGER DEFAULT 0,
    failed       INTEGER DEFAULT 0
);

CREATE TABLE core.articles (
    article_id    VARCHAR PRIMARY KEY,       -- first 16 hex digits of content_hash
    content_hash  VARCHAR NOT NULL,          -- sha256 of the normalised clean text
    source_id     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,          -- where it was first found
    title         VARCHAR,
    title_source  VARCHAR,                   -- headline | first_sentence | page | feed | listing
    published_at  TIMESTAMP,                 -- as the source gives it (source-local time); NULL if unknown
    date_text     VARCHAR,                   -- the date as written, e.g. 'May 26th'
    date_source   VARCHAR,                   -- text | page | feed | listing
    agency        VARCHAR,
    author        VARCHAR,
    language      VARCHAR,
    clean_text    VARCHAR NOT NULL,
    raw_text      VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    loaded_at     TIMESTAMP NOT NULL
);

-- Every (url, article) pair ever seen: duplicates are recorded here, never silently dropped.
CREATE TABLE core.sightings (
    url         VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL,
    seen_at     TIMESTAMP NOT NULL
);

CREATE TABLE core.article_topics (
    article_id  VARCHAR NOT NULL,
    topic       VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,
    evidence    VARCHAR[] NOT NULL
);

CREATE TABLE core.failures (
    run_id     VARCHAR NOT NULL,
    source_id  VARCHAR NOT NULL,
    url        VARCHAR NOT NULL,
    stage      VARCHAR NOT NULL,             -- discover | fetch | parse | clean | classify | load
    reason     VARCHAR NOT NULL,
    "at"       TIMESTAMP NOT NULL
);

CREATE VIEW articles AS
SELECT article_id, source_id, url, title, published_at, clean_text, raw_text,
       title_source, date_text, date_source, agency, author, language, content_hash, loaded_at
FROM core.articles;

CREATE VIEW article_topics AS
SELECT article_id, topic, score, evidence FROM core.article_topics;

CREATE VIEW failures AS
SELECT source_id, url, stage, reason, "at", run_id FROM core.failures;
