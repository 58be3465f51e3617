-- Alerts once per event: every report of an alerted measure (another outlet, another language, a
-- reprint, the same text at another URL) is attached to the alert as one of its sources, its
-- provenance, instead of being sent again. An alert row's `kind` says whether it announces a new
-- customs measure or an amended customs notice (a revision of an official page, see 013).

-- One row per (alert, report URL): the alert's own article, then every later report attached to it.
-- rule: first (the alerted article) | sighting (the same text at another URL) | story (same story in
-- the warehouse) | copy (near copy) | document (same event and the same main document number) |
-- event (the event matcher joined it) | measure (its own measure nearly repeats the alerted one). why: the matcher's reasons as JSON (probability, shared anchors).
CREATE TABLE core.alert_sources (
    alert_id      VARCHAR NOT NULL,
    article_id    VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    title         VARCHAR,
    language      VARCHAR,
    published_at  TIMESTAMP,
    first_seen    TIMESTAMP NOT NULL,
    rule          VARCHAR NOT NULL,
    probability   DOUBLE,
    why           VARCHAR,
    run_id        VARCHAR NOT NULL
);

-- Articles already looked at by the alert step (attached to an alert or not): each is considered
-- once. The articles loaded before this migration count as looked at.
CREATE TABLE core.alert_checked (
    article_id  VARCHAR PRIMARY KEY,
    checked_at  TIMESTAMP NOT NULL
);
INSERT INTO core.alert_checked SELECT article_id, now()::TIMESTAMP FROM core.articles;

ALTER TABLE core.alerts ADD COLUMN kind VARCHAR;       -- new | amended
ALTER TABLE core.alerts ADD COLUMN revision INTEGER;   -- for an amended notice: article_revisions.revision
UPDATE core.alerts SET kind = 'new';

-- The alerts that existed before: their own article is their first source; a near duplicate's
-- article is a source of the alert it repeats.
INSERT INTO core.alert_sources
SELECT coalesce(x.duplicate_of, x.alert_id), x.article_id, a.source_id, a.url, a.title, a.language, a.published_at,
       x.created_at, CASE WHEN x.duplicate_of IS NULL THEN 'first' ELSE 'measure' END, NULL, NULL, x.run_id
FROM core.alerts x JOIN core.articles a USING (article_id);

CREATE VIEW alert_sources AS
SELECT s.alert_id, s.article_id, s.source_id, s.url, s.title, s.language, s.published_at, s.first_seen, s.rule,
       s.probability, s.why
FROM core.alert_sources s;

CREATE OR REPLACE VIEW alerts AS
WITH provenance AS (
    SELECT alert_id, count(DISTINCT url) AS sources,
           arg_min(source_id, first_seen) AS first_source, arg_min(url, first_seen) AS first_url
    FROM core.alert_sources GROUP BY alert_id
)
SELECT x.alert_id, x.kind, x.article_id, x.ordinal, x.revision, x.title, x.issuing_body, x.announcement_no,
       x.document_no, x.published_at, x.url, x.measure_text, x.status, x.duplicate_of, coalesce(p.sources, 0) AS sources,
       p.first_source, p.first_url, x.attempts, x.last_error, x.created_at, x.delivered_at
FROM core.alerts x LEFT JOIN provenance p USING (alert_id);

COMMENT ON VIEW alert_sources IS 'Provenance of each alert: its own article and every later report attached to it instead of being sent again.';
COMMENT ON COLUMN alert_sources.alert_id IS 'The alert (alerts.alert_id).';
COMMENT ON COLUMN alert_sources.article_id IS 'The report (articles.article_id).';
COMMENT ON COLUMN alert_sources.source_id IS 'Registry id of the source where the report was seen.';
COMMENT ON COLUMN alert_sources.url IS 'URL (or file:// path) of the report.';
COMMENT ON COLUMN alert_sources.title IS 'Title of the report.';
COMMENT ON COLUMN alert_sources.language IS 'Language of the report (en, zh, ...).';
COMMENT ON COLUMN alert_sources.published_at IS 'Publication time of the report, as the source gives it.';
COMMENT ON COLUMN alert_sources.first_seen IS 'When tradewire first saw the report at this URL.';
COMMENT ON COLUMN alert_sources.rule IS 'Why it is a source: first (the alerted article), sighting (same text, other URL), story (same story), copy (near copy), document (same event, same main document number), event (same event by the matcher), measure (its measure nearly repeats the alerted one).';
COMMENT ON COLUMN alert_sources.probability IS 'For copy, document and event: the matcher''s probability that the two reports are one event.';
COMMENT ON COLUMN alert_sources.why IS 'For copy, document and event: the matcher''s reasons as JSON (rule, probability, shared anchors, conflicts, features).';

COMMENT ON VIEW alerts IS 'One row per customs measure considered for an alert (and per amended customs notice), what happened to it, and its sources.';
COMMENT ON COLUMN alerts.alert_id IS 'Alert id (stable for a measure, or for a revision of a notice).';
COMMENT ON COLUMN alerts.kind IS 'new (a customs measure never seen before) or amended (a customs notice whose page changed after it was loaded).';
COMMENT ON COLUMN alerts.article_id IS 'Article the measure came from (for amended: the revised article).';
COMMENT ON COLUMN alerts.ordinal IS 'Position of the measure in that article (0 for amended).';
COMMENT ON COLUMN alerts.revision IS 'For amended: the revision number (article_revisions.revision).';
COMMENT ON COLUMN alerts.title IS 'Title of the article.';
COMMENT ON COLUMN alerts.issuing_body IS 'Issuing body of the measure.';
COMMENT ON COLUMN alerts.announcement_no IS 'Announcement number of the measure, when given.';
COMMENT ON COLUMN alerts.document_no IS 'Document number of the article, as sent in the alert.';
COMMENT ON COLUMN alerts.published_at IS 'Publication time of the article.';
COMMENT ON COLUMN alerts.url IS 'Link to the article.';
COMMENT ON COLUMN alerts.measure_text IS 'The measure''s text as sent (for amended: the unified diff).';
COMMENT ON COLUMN alerts.status IS 'pending (to deliver, retried every run), delivered, digest (waiting for the daily digest), duplicate (a report of an alerted event: attached to that alert as a source, never sent).';
COMMENT ON COLUMN alerts.duplicate_of IS 'For a duplicate: the alert it was attached to.';
COMMENT ON COLUMN alerts.sources IS 'Number of report URLs attached to the alert (alert_sources), its own included.';
COMMENT ON COLUMN alerts.first_source IS 'Source of the earliest report of the alert.';
COMMENT ON COLUMN alerts.first_url IS 'URL of the earliest report of the alert.';
COMMENT ON COLUMN alerts.attempts IS 'Delivery attempts so far.';
COMMENT ON COLUMN alerts.last_error IS 'Why the last delivery failed (never contains the destination URLs).';
COMMENT ON COLUMN alerts.created_at IS 'When the alert was created.';
COMMENT ON COLUMN alerts.delivered_at IS 'When it was delivered.';
