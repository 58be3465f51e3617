-- Run liveness: each run records its owner process and the lock it holds while it lives
-- (warehouse/liveness.py has the rule). A run found `running` whose lock is free and whose owner is
-- gone is recorded `crashed` by the next run, with what it had committed (warehouse/crashes.py), and
-- source_health counts the crashes.

ALTER TABLE ingest_runs ADD COLUMN owner_host VARCHAR;
ALTER TABLE ingest_runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE ingest_runs ADD COLUMN owner_start BIGINT;           -- process start, clock ticks since boot
ALTER TABLE ingest_runs ADD COLUMN liveness_lock VARCHAR;        -- file:<path> | postgres:<key>
ALTER TABLE ingest_runs ADD COLUMN marked_crashed_by VARCHAR;    -- run_id of the run that found it dead

-- As in 002, plus: crashed runs (ingest_runs.status) are counted, but neither make a success nor
-- set the canary's baseline or latest run (a run that died part-way found fewer items on purpose).
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
       s.crashed_runs, s.last_crash
FROM summary s
LEFT JOIN gaps g USING (source_id)
LEFT JOIN runs r ON r.source_id = s.source_id AND r.recency = 1;

COMMENT ON VIEW source_health IS 'Per source: freshness, failure rate, cadence, a stale flag, a layout canary and the runs that crashed while loading it.';
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

COMMENT ON COLUMN ingest_runs.finished_at IS 'When it finished; for a crashed run, its last commit (it died after that); NULL while running.';
COMMENT ON COLUMN ingest_runs.status IS 'running, completed, partial (some items or sources failed), failed, or crashed (it died without recording its outcome; found by a later run).';
COMMENT ON COLUMN ingest_runs.found IS 'Items discovered (for a crashed run: what it had committed, new + duplicate + failed).';
COMMENT ON COLUMN ingest_runs.duplicate IS 'Items whose text was already stored (for a crashed run: its sightings beyond its new articles, a lower bound).';
COMMENT ON COLUMN ingest_runs.owner_host IS 'Host name of the process that ran it.';
COMMENT ON COLUMN ingest_runs.owner_pid IS 'Process id of the process that ran it.';
COMMENT ON COLUMN ingest_runs.owner_start IS 'Start time of that process (clock ticks since boot): tells a reused process id apart.';
COMMENT ON COLUMN ingest_runs.liveness_lock IS 'The lock the run holds while it lives (file:<path> or postgres:<key>); free means it is gone.';
COMMENT ON COLUMN ingest_runs.marked_crashed_by IS 'For a crashed run: the run that found it dead.';
