-- Issue 17: the watch of urgent sources, the adaptive cadence of the others, and alert latency.
-- Times are the machine's local time, like source_runs."at", alerts.created_at and delivered_at.

-- One row per poll of a watched source's index by the `watch` deployment. The validators of the
-- last poll that kept some (etag, last_modified, sha256) are what the next poll sends: the watch
-- keeps its own, apart from core.http_cache, so the ingest it triggers still sees the change.
CREATE TABLE core.watch_polls (
    source_id     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    polled_at     TIMESTAMP NOT NULL,
    outcome       VARCHAR NOT NULL,   -- unchanged | changed | new-items | failed
    http_status   INTEGER,
    etag          VARCHAR,
    last_modified VARCHAR,
    sha256        VARCHAR,
    listed        INTEGER,            -- article links the index listed (when it changed)
    new_items     INTEGER,            -- of those, links never seen before
    ingest_run    VARCHAR,            -- the flow run of the ingest it triggered
    reason        VARCHAR NOT NULL
);

-- When tradewire first saw each article URL listed by its source's index: by a watch poll (with
-- the poll before it, which did not list it yet) or by an ingest's index fetch.
CREATE TABLE core.listings (
    url              VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    listed_at        TIMESTAMP NOT NULL,
    previous_poll_at TIMESTAMP,
    via              VARCHAR NOT NULL   -- watch | ingest
);

-- Each source's current poll interval and why (one row per source, replaced after each ingest of
-- it, or each watch poll of a watched source).
CREATE TABLE core.source_cadence (
    source_id        VARCHAR NOT NULL,
    interval_minutes DOUBLE NOT NULL,
    reason           VARCHAR NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    due_at           TIMESTAMP,         -- next scheduled ingest; NULL for watched sources
    watched          BOOLEAN NOT NULL
);

-- robots.txt kept between runs (RFC 9309 lets a crawler reuse it for 24 hours): the watch does not
-- fetch it again on every poll. body NULL: none (4xx or unreachable), everything allowed.
CREATE TABLE core.robots_cache (
    origin     VARCHAR NOT NULL,
    body       VARCHAR,
    fetched_at TIMESTAMP NOT NULL
);

-- Latency of each alert: when its item was first listed (or its page's date, when never listed),
-- and when its page was fetched; delivered_at is there already.
ALTER TABLE core.alerts ADD COLUMN listed_at TIMESTAMP;
ALTER TABLE core.alerts ADD COLUMN listed_via VARCHAR;
ALTER TABLE core.alerts ADD COLUMN fetched_at TIMESTAMP;

CREATE VIEW watch_polls AS
SELECT source_id, url, polled_at, outcome, http_status, listed, new_items, ingest_run, reason FROM core.watch_polls;

CREATE OR REPLACE VIEW alerts AS
WITH provenance AS (  -- as in 012
    SELECT alert_id, count(DISTINCT url) AS sources,
           arg_min(source_id, first_seen) AS first_source, arg_min(url, first_seen) AS first_url
    FROM core.alert_sources GROUP BY alert_id
)
SELECT x.alert_id, x.kind, x.article_id, x.ordinal, x.revision, x.title, x.issuing_body, x.announcement_no,
       x.document_no, x.published_at, x.url, x.measure_text, x.status, x.duplicate_of, coalesce(p.sources, 0) AS sources,
       p.first_source, p.first_url, x.attempts, x.last_error, x.created_at, x.delivered_at,
       x.listed_at, x.listed_via, x.fetched_at,
       round(epoch(x.delivered_at) - epoch(x.listed_at), 1) AS latency_seconds
FROM core.alerts x LEFT JOIN provenance p USING (alert_id);

-- As in 009, plus each source's poll interval, the reason for it and its next scheduled ingest.
CREATE OR REPLACE VIEW source_health AS
WITH all_runs AS (
    SELECT r.*, coalesce(i.status = 'crashed', false) AS crashed
    FROM core.source_runs r LEFT JOIN ingest_runs i USING (run_id)
),
runs AS (
    SELECT *,
           avg(found) OVER w AS usual_found,
           avg(mean_text_chars) OVER w AS usual_chars,
           row_number() OVER (PARTITION BY source_id ORDER BY "at" DESC) AS recency
    FROM all_runs
    WHERE NOT crashed
    WINDOW w AS (PARTITION BY source_id ORDER BY "at" ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING)
),
gaps AS (
    SELECT source_id, median(epoch("at") - epoch(prev_at)) / 3600.0 AS cadence_hours
    FROM (SELECT source_id, "at", lag("at") OVER (PARTITION BY source_id ORDER BY "at") AS prev_at
          FROM all_runs WHERE new > 0)
    WHERE prev_at IS NOT NULL
    GROUP BY source_id
),
summary AS (
    SELECT source_id,
           max("at") FILTER (WHERE NOT crashed AND (failed < found OR found = 0 AND failed = 0)) AS last_success,
           max("at") FILTER (WHERE new > 0) AS last_new_item,
           count(*) AS runs,
           sum(failed)::DOUBLE / nullif(sum(found), 0) AS failure_rate,
           count(*) FILTER (WHERE crashed) AS crashed_runs,
           max("at") FILTER (WHERE crashed) AS last_crash
    FROM all_runs GROUP BY source_id
)
SELECT s.source_id, s.last_success, s.last_new_item, s.runs,
       round(coalesce(s.failure_rate, 0), 3) AS failure_rate,
       round(g.cadence_hours, 1) AS cadence_hours,
       coalesce(s.last_new_item, TIMESTAMP '1970-01-01')
           < now()::TIMESTAMP - to_hours(CAST(coalesce(3 * g.cadence_hours, 168) AS BIGINT)) AS stale,
       CASE
           WHEN r.found = 0 AND r.usual_found >= 1 THEN 'no items (usually ' || round(r.usual_found, 1) || ')'
           WHEN r.mean_text_chars < 0.5 * r.usual_chars THEN 'texts shrank to ' || round(r.mean_text_chars) || ' chars (usually ' || round(r.usual_chars) || ')'
       END AS canary,
       s.crashed_runs, s.last_crash,
       round(c.interval_minutes, 1) AS poll_interval_minutes, c.reason AS poll_reason, c.due_at AS next_poll_at,
       coalesce(c.watched, false) AS watched
FROM summary s
LEFT JOIN gaps g USING (source_id)
LEFT JOIN runs r ON r.source_id = s.source_id AND r.recency = 1
LEFT JOIN core.source_cadence c ON c.source_id = s.source_id;

COMMENT ON VIEW watch_polls IS 'Every poll of a watched source''s index by the watch deployment: one conditional request each, and what followed.';
COMMENT ON COLUMN watch_polls.source_id IS 'The watched source.';
COMMENT ON COLUMN watch_polls.url IS 'Its index page.';
COMMENT ON COLUMN watch_polls.polled_at IS 'When the poll was made (local time).';
COMMENT ON COLUMN watch_polls.outcome IS 'unchanged (304 or the same body hash), changed (a new body listing nothing new), new-items (an ingest of the source was triggered), failed.';
COMMENT ON COLUMN watch_polls.http_status IS 'HTTP status of the answer (304: not modified).';
COMMENT ON COLUMN watch_polls.listed IS 'Article links the changed index listed.';
COMMENT ON COLUMN watch_polls.new_items IS 'Of those, links tradewire had never seen.';
COMMENT ON COLUMN watch_polls.ingest_run IS 'Prefect flow run id of the ingest the poll triggered.';
COMMENT ON COLUMN watch_polls.reason IS 'What the poll found, in words.';

COMMENT ON VIEW alerts IS 'One row per customs measure considered for an alert (and per amended customs notice), what happened to it, its sources, and how long it took.';
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
COMMENT ON COLUMN alerts.listed_at IS 'When the item was first seen listed by its source (a watch poll or an ingest''s index fetch), else its page''s date (local time).';
COMMENT ON COLUMN alerts.listed_via IS 'Where listed_at comes from: watch, ingest, or page date.';
COMMENT ON COLUMN alerts.fetched_at IS 'When the article page was fetched (local time).';
COMMENT ON COLUMN alerts.latency_seconds IS 'Seconds from listed_at to delivered_at: how long the alert took from first sight.';

COMMENT ON VIEW source_health IS 'Per source: freshness, failure rate, cadence, a stale flag, a layout canary, crashed runs, and its poll interval with the reason.';
COMMENT ON COLUMN source_health.source_id IS 'The source.';
COMMENT ON COLUMN source_health.last_success IS 'Last run in which the source yielded something or nothing failed (crashed runs excluded).';
COMMENT ON COLUMN source_health.last_new_item IS 'Last run that loaded a new article from the source.';
COMMENT ON COLUMN source_health.runs IS 'Runs that included the source (crashed ones too, with what they had committed).';
COMMENT ON COLUMN source_health.failure_rate IS 'Failed items / found items over all runs.';
COMMENT ON COLUMN source_health.cadence_hours IS 'Median hours between runs that brought something new.';
COMMENT ON COLUMN source_health.stale IS 'Nothing new for three cadences (seven days when the cadence is unknown).';
COMMENT ON COLUMN source_health.canary IS 'Set when the layout probably changed: no items where there used to be some, or texts suddenly less than half as long (judged on runs that did not crash).';
COMMENT ON COLUMN source_health.crashed_runs IS 'Runs that died while loading the source (ingest_runs.status = ''crashed'').';
COMMENT ON COLUMN source_health.last_crash IS 'Last commit of the last crashed run for the source: it died after that.';
COMMENT ON COLUMN source_health.poll_interval_minutes IS 'Current minutes between polls: the adaptive interval between scheduled ingests, or the watch''s interval for a watched source.';
COMMENT ON COLUMN source_health.poll_reason IS 'Why the interval is what it is (e.g. ''78% of items already known (18 of 23): 40 -> 50 min'').';
COMMENT ON COLUMN source_health.next_poll_at IS 'When the next scheduled ingest of the source is due (NULL for a watched source).';
COMMENT ON COLUMN source_health.watched IS 'Whether the watch deployment polls the source (registry key watch = true).';
