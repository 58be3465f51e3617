-- Measures enumerated in articles, and the alerts sent for new customs measures.

CREATE TABLE core.measures (
    article_id       VARCHAR NOT NULL,
    ordinal          INTEGER NOT NULL,
    text             VARCHAR NOT NULL,
    topics           VARCHAR[] NOT NULL,
    announcement_no  VARCHAR,              -- e.g. 'Announcement No. 45 [2020]'
    issuing_body     VARCHAR,
    issuing_kind     VARCHAR,              -- customs | port | ministry | government | ...
    effective_date   DATE,
    places           VARCHAR[] NOT NULL,
    hs_codes         VARCHAR[] NOT NULL,
    is_customs       BOOLEAN NOT NULL      -- about customs or port clearance, by a customs or port authority
);

CREATE VIEW measures AS
SELECT m.article_id, m.ordinal, m.text, m.topics, m.announcement_no, m.issuing_body, m.issuing_kind,
       m.effective_date, m.places, m.hs_codes, m.is_customs, a.title, a.url, a.published_at, a.story_id
FROM core.measures m JOIN core.articles a USING (article_id);

CREATE VIEW customs_measures AS
SELECT * EXCLUDE (is_customs) FROM measures WHERE is_customs;

-- One row per customs measure ever considered for an alert. Kept through reparses: an alert is never
-- sent twice. status: pending (to deliver; retried by every run) | delivered | digest (waiting for the
-- daily digest) | duplicate (a near duplicate of an alerted measure: never sent).
CREATE TABLE core.alerts (
    alert_id       VARCHAR PRIMARY KEY,
    article_id     VARCHAR NOT NULL,
    ordinal        INTEGER NOT NULL,
    story_id       VARCHAR,
    title          VARCHAR,
    issuing_body   VARCHAR,
    announcement_no VARCHAR,
    published_at   TIMESTAMP,
    url            VARCHAR,
    measure_text   VARCHAR NOT NULL,
    n_shingles     INTEGER NOT NULL,
    sig            BLOB NOT NULL,
    status         VARCHAR NOT NULL,
    duplicate_of   VARCHAR,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     VARCHAR,
    run_id         VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    delivered_at   TIMESTAMP
);

CREATE VIEW alerts AS
SELECT alert_id, article_id, ordinal, title, issuing_body, announcement_no, published_at, url, measure_text, status,
       duplicate_of, attempts, last_error, created_at, delivered_at
FROM core.alerts;
