-- Per-run, per-source counts: the history behind the source_health view and the layout canary.

CREATE TABLE core.source_runs (
    run_id           VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    "at"             TIMESTAMP NOT NULL,
    found            INTEGER NOT NULL,     -- items discovered (documents plus discovery failures)
    new              INTEGER NOT NULL,
    duplicate        INTEGER NOT NULL,
    failed           INTEGER NOT NULL,
    mean_text_chars  DOUBLE                -- mean clean-text length of this run's parsed articles
);

-- One row per source ever run. cadence_hours: median gap between runs that brought something new.
-- stale: nothing new for 3 cadences (or 7 days when no cadence is known yet).
-- canary: the source's layout probably changed (no items where there used to be some, or texts
-- suddenly less than half as long as usual).
CREATE VIEW source_health AS
WITH runs AS (
    SELECT *,
           avg(found) OVER w AS usual_found,
           avg(mean_text_chars) OVER w AS usual_chars,
           row_number() OVER (PARTITION BY source_id ORDER BY "at" DESC) AS recency
    FROM core.source_runs
    WINDOW w AS (PARTITION BY source_id ORDER BY "at" ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING)
),
gaps AS (
    SELECT source_id, median(epoch("at") - epoch(prev_at)) / 3600.0 AS cadence_hours
    FROM (SELECT source_id, "at", lag("at") OVER (PARTITION BY source_id ORDER BY "at") AS prev_at
          FROM core.source_runs WHERE new > 0)
    WHERE prev_at IS NOT NULL
    GROUP BY source_id
),
summary AS (
    SELECT source_id,
           max("at") FILTER (WHERE failed < found OR found = 0 AND failed = 0) AS last_success,
           max("at") FILTER (WHERE new > 0) AS last_new_item,
           count(*) AS runs,
           sum(failed)::DOUBLE / nullif(sum(found), 0) AS failure_rate
    FROM core.source_runs GROUP BY source_id
)
SELECT s.source_id, s.last_success, s.last_new_item, s.runs,
       round(coalesce(s.failure_rate, 0), 3) AS failure_rate,
       round(g.cadence_hours, 1) AS cadence_hours,
       coalesce(s.last_new_item, TIMESTAMP '1970-01-01')
           < now()::TIMESTAMP - to_hours(CAST(coalesce(3 * g.cadence_hours, 168) AS BIGINT)) AS stale,
       CASE
           WHEN r.found = 0 AND r.usual_found >= 1 THEN 'no items (usually ' || round(r.usual_found, 1) || ')'
           WHEN r.mean_text_chars < 0.5 * r.usual_chars THEN 'texts shrank to ' || round(r.mean_text_chars) || ' chars (usually ' || round(r.usual_chars) || ')'
       END AS canary
FROM summary s
LEFT JOIN gaps g USING (source_id)
LEFT JOIN runs r ON r.source_id = s.source_id AND r.recency = 1;
