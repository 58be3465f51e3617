-- Analyst-facing documentation: two more views, and a comment on every view and column.
-- docs/schema.md is generated from these comments (`tradewire schema --write docs/schema.md`), and a
-- test fails when the two drift. A later migration that replaces a view must comment it again.

CREATE VIEW topic_daily AS
SELECT coalesce(a.published_at, a.loaded_at)::DATE AS day, t.topic, count(*) AS articles
FROM core.article_topics t JOIN core.articles a USING (article_id)
GROUP BY ALL;

CREATE VIEW data_quality AS
WITH per_source AS (
    SELECT source_id,
           count(*) AS articles,
           count(*) FILTER (WHERE date_source = 'text') AS from_text,
           count(*) FILTER (WHERE date_source = 'page') AS from_page,
           count(*) FILTER (WHERE date_source IN ('feed', 'listing', 'sitemap')) AS from_index,
           count(*) FILTER (WHERE published_at IS NULL) AS no_date,
           count(*) FILTER (WHERE title_source = 'first_sentence') AS no_headline,
           count(*) FILTER (WHERE author IS NULL) AS no_author
    FROM core.articles GROUP BY source_id
),
seen AS (
    SELECT s.source_id, count(*) AS sightings,
           count(*) FILTER (WHERE a.source_id <> s.source_id OR a.url <> s.url) AS repeats
    FROM core.sightings s JOIN core.articles a USING (article_id) GROUP BY s.source_id
),
failed AS (
    SELECT source_id, count(*) AS extraction_failures FROM core.failures
    WHERE stage IN ('parse', 'clean') GROUP BY source_id
)
SELECT coalesce(p.source_id, s.source_id, f.source_id) AS source_id,
       coalesce(p.articles, 0) AS articles,
       round(p.from_text / p.articles, 3) AS dates_from_text,
       round(p.from_page / p.articles, 3) AS dates_from_page,
       round(p.from_index / p.articles, 3) AS dates_from_feed_or_listing,
       round(p.no_date / p.articles, 3) AS date_null_rate,
       round(p.no_headline / p.articles, 3) AS title_from_first_sentence_rate,
       round(p.no_author / p.articles, 3) AS author_null_rate,
       round(s.repeats / s.sightings, 3) AS duplicate_rate,
       coalesce(f.extraction_failures, 0) AS extraction_failures
FROM per_source p
FULL JOIN seen s USING (source_id)
FULL JOIN failed f USING (source_id);


COMMENT ON VIEW articles IS 'One row per distinct article text (exact copies at other URLs are sightings of it).';
COMMENT ON COLUMN articles.article_id IS 'First 16 hex digits of content_hash: the article''s id.';
COMMENT ON COLUMN articles.source_id IS 'Registry id of the source where the article was first found.';
COMMENT ON COLUMN articles.url IS 'URL (or file:// path) where the article was first found.';
COMMENT ON COLUMN articles.title IS 'Headline; when the text has none, its first sentence (see title_source).';
COMMENT ON COLUMN articles.published_at IS 'Publication time as the source gives it, in the source''s local time (Beijing for Chinese sources); NULL when no full date is given.';
COMMENT ON COLUMN articles.clean_text IS 'Cleaned body text, paragraphs separated by blank lines.';
COMMENT ON COLUMN articles.raw_text IS 'The text as parsed, before cleaning (the raw bytes are kept in the raw archive).';
COMMENT ON COLUMN articles.story_id IS 'Story the article belongs to (see the stories view).';
COMMENT ON COLUMN articles.canonical_url IS 'URL identity: tracking parameters, fragments, scheme, gateway mirrors removed; rel=canonical honoured.';
COMMENT ON COLUMN articles.title_source IS 'Where the title came from: headline, first_sentence, page, feed, listing, sitemap.';
COMMENT ON COLUMN articles.date_text IS 'The date as written in the source, e.g. ''May 26th'' (kept even when it cannot be a full date).';
COMMENT ON COLUMN articles.date_source IS 'Where published_at came from: text, page, feed, listing, sitemap.';
COMMENT ON COLUMN articles.agency IS 'News agency from the dateline, e.g. ''China News Service''.';
COMMENT ON COLUMN articles.author IS 'Author from the page metadata, when given.';
COMMENT ON COLUMN articles.language IS 'Language code: en or zh.';
COMMENT ON COLUMN articles.official IS 'True when the source is an official body (ministry, customs, city government).';
COMMENT ON COLUMN articles.content_hash IS 'sha256 of the normalised clean text: the exact-duplicate key.';
COMMENT ON COLUMN articles.loaded_at IS 'When the article was loaded into the warehouse.';

COMMENT ON VIEW article_topics IS 'Topics of each article (multi-label), with the score and the evidence that fired.';
COMMENT ON COLUMN article_topics.article_id IS 'The article (see articles).';
COMMENT ON COLUMN article_topics.topic IS 'logistics, customs, resumption or finance.';
COMMENT ON COLUMN article_topics.score IS 'Topic score in [0, 1); the topic is assigned when it reaches the threshold in seeds/topics.toml.';
COMMENT ON COLUMN article_topics.evidence IS 'Terms that fired, with counts (term×n); a leading ''-'' marks a negating term.';

COMMENT ON VIEW stories IS 'One row per story: the same release republished, cut or reformatted across sources.';
COMMENT ON COLUMN stories.story_id IS 'Story id: stable across reruns.';
COMMENT ON COLUMN stories.representative_id IS 'The article that represents the story: an official source first, then the earliest published.';
COMMENT ON COLUMN stories.title IS 'Title of the representative article.';
COMMENT ON COLUMN stories.articles IS 'Number of distinct texts (articles) in the story.';
COMMENT ON COLUMN stories.copies IS 'Number of URLs where the story''s texts were seen.';
COMMENT ON COLUMN stories.sources IS 'Sources that carried the story.';
COMMENT ON COLUMN stories.first_seen IS 'Earliest publication (or load) time among the story''s articles.';
COMMENT ON COLUMN stories.last_seen IS 'Latest publication (or load) time among the story''s articles.';

COMMENT ON VIEW measures IS 'Enumerated measures split out of articles (The first is ..., First, ... Second, ..., numbered lists).';
COMMENT ON COLUMN measures.article_id IS 'The article the measure comes from.';
COMMENT ON COLUMN measures.ordinal IS 'Position of the measure in the article''s enumeration (1, 2, ...).';
COMMENT ON COLUMN measures.text IS 'The measure''s text.';
COMMENT ON COLUMN measures.topics IS 'Topics of the measure itself.';
COMMENT ON COLUMN measures.announcement_no IS 'Announcement number, e.g. ''Announcement No. 45 [2020]''.';
COMMENT ON COLUMN measures.issuing_body IS 'Body issuing the measure (named in it, or the article''s issuer).';
COMMENT ON COLUMN measures.issuing_kind IS 'Kind of the issuing body: customs, port, ministry, government, ...';
COMMENT ON COLUMN measures.effective_date IS 'Date the measure takes effect, when given.';
COMMENT ON COLUMN measures.places IS 'Ports and places the measure names.';
COMMENT ON COLUMN measures.hs_codes IS 'HS codes the measure names (digits only).';
COMMENT ON COLUMN measures.is_customs IS 'About customs or port clearance and issued by a customs or port authority.';
COMMENT ON COLUMN measures.title IS 'Title of the article.';
COMMENT ON COLUMN measures.url IS 'URL of the article.';
COMMENT ON COLUMN measures.published_at IS 'Publication time of the article (source-local time).';
COMMENT ON COLUMN measures.story_id IS 'Story of the article.';

COMMENT ON VIEW customs_measures IS 'Measures about customs or port clearance issued by a customs or port authority.';
COMMENT ON COLUMN customs_measures.article_id IS 'The article the measure comes from.';
COMMENT ON COLUMN customs_measures.ordinal IS 'Position of the measure in the article''s enumeration (1, 2, ...).';
COMMENT ON COLUMN customs_measures.text IS 'The measure''s text.';
COMMENT ON COLUMN customs_measures.topics IS 'Topics of the measure itself.';
COMMENT ON COLUMN customs_measures.announcement_no IS 'Announcement number, e.g. ''Announcement No. 45 [2020]''.';
COMMENT ON COLUMN customs_measures.issuing_body IS 'Body issuing the measure (named in it, or the article''s issuer).';
COMMENT ON COLUMN customs_measures.issuing_kind IS 'Kind of the issuing body: customs, port, ministry, government, ...';
COMMENT ON COLUMN customs_measures.effective_date IS 'Date the measure takes effect, when given.';
COMMENT ON COLUMN customs_measures.places IS 'Ports and places the measure names.';
COMMENT ON COLUMN customs_measures.hs_codes IS 'HS codes the measure names (digits only).';
COMMENT ON COLUMN customs_measures.title IS 'Title of the article.';
COMMENT ON COLUMN customs_measures.url IS 'URL of the article.';
COMMENT ON COLUMN customs_measures.published_at IS 'Publication time of the article (source-local time).';
COMMENT ON COLUMN customs_measures.story_id IS 'Story of the article.';

COMMENT ON VIEW alerts IS 'One row per customs measure considered for an alert, and what happened to it.';
COMMENT ON COLUMN alerts.alert_id IS 'Alert id (stable for a measure).';
COMMENT ON COLUMN alerts.article_id IS 'Article the measure came from.';
COMMENT ON COLUMN alerts.ordinal IS 'Position of the measure in that article.';
COMMENT ON COLUMN alerts.title IS 'Title of the article.';
COMMENT ON COLUMN alerts.issuing_body IS 'Issuing body of the measure.';
COMMENT ON COLUMN alerts.announcement_no IS 'Announcement number of the measure, when given.';
COMMENT ON COLUMN alerts.published_at IS 'Publication time of the article.';
COMMENT ON COLUMN alerts.url IS 'Link to the article.';
COMMENT ON COLUMN alerts.measure_text IS 'The measure''s text as sent.';
COMMENT ON COLUMN alerts.status IS 'pending (to deliver, retried every run), delivered, digest (waiting for the daily digest), duplicate (near duplicate of an alerted measure: never sent).';
COMMENT ON COLUMN alerts.duplicate_of IS 'For a duplicate: the alert it repeats.';
COMMENT ON COLUMN alerts.attempts IS 'Delivery attempts so far.';
COMMENT ON COLUMN alerts.last_error IS 'Why the last delivery failed (never contains the destination URLs).';
COMMENT ON COLUMN alerts.created_at IS 'When the alert was created.';
COMMENT ON COLUMN alerts.delivered_at IS 'When it was delivered.';

COMMENT ON VIEW failures IS 'Everything that could not be fetched, parsed, cleaned or loaded: one row per item and run.';
COMMENT ON COLUMN failures.source_id IS 'Source of the item.';
COMMENT ON COLUMN failures.url IS 'URL or file of the item (or the source''s URL for a source-level failure).';
COMMENT ON COLUMN failures.stage IS 'Where it failed: discover, fetch, parse, clean, run.';
COMMENT ON COLUMN failures.reason IS 'Why, in words.';
COMMENT ON COLUMN failures.at IS 'When.';
COMMENT ON COLUMN failures.run_id IS 'The run (ingest_runs.run_id; the Prefect flow run id).';

COMMENT ON VIEW source_health IS 'Per source: freshness, failure rate, cadence, a stale flag and a layout canary.';
COMMENT ON COLUMN source_health.source_id IS 'The source.';
COMMENT ON COLUMN source_health.last_success IS 'Last run in which the source yielded something or nothing failed.';
COMMENT ON COLUMN source_health.last_new_item IS 'Last run that loaded a new article from the source.';
COMMENT ON COLUMN source_health.runs IS 'Runs that included the source.';
COMMENT ON COLUMN source_health.failure_rate IS 'Failed items / found items over all runs.';
COMMENT ON COLUMN source_health.cadence_hours IS 'Median hours between runs that brought something new.';
COMMENT ON COLUMN source_health.stale IS 'Nothing new for three cadences (seven days when the cadence is unknown).';
COMMENT ON COLUMN source_health.canary IS 'Set when the layout probably changed: no items where there used to be some, or texts suddenly less than half as long.';

COMMENT ON VIEW topic_daily IS 'Articles per topic per day (publication day, else load day).';
COMMENT ON COLUMN topic_daily.day IS 'Publication day of the articles (load day when the date is unknown).';
COMMENT ON COLUMN topic_daily.topic IS 'The topic.';
COMMENT ON COLUMN topic_daily.articles IS 'Number of articles.';

COMMENT ON VIEW data_quality IS 'Per source: where dates came from, null rates, duplicate rate, extraction failures.';
COMMENT ON COLUMN data_quality.source_id IS 'The source.';
COMMENT ON COLUMN data_quality.articles IS 'Articles first found at the source.';
COMMENT ON COLUMN data_quality.dates_from_text IS 'Share of articles whose date came from the text itself.';
COMMENT ON COLUMN data_quality.dates_from_page IS 'Share whose date came from the page''s metadata.';
COMMENT ON COLUMN data_quality.dates_from_feed_or_listing IS 'Share whose date came from a feed, listing or sitemap.';
COMMENT ON COLUMN data_quality.date_null_rate IS 'Share of articles without a full publication date.';
COMMENT ON COLUMN data_quality.title_from_first_sentence_rate IS 'Share of articles without a headline (title made from the first sentence).';
COMMENT ON COLUMN data_quality.author_null_rate IS 'Share of articles without an author.';
COMMENT ON COLUMN data_quality.duplicate_rate IS 'Share of the source''s sightings that were texts already known.';
COMMENT ON COLUMN data_quality.extraction_failures IS 'Items of the source that failed to parse or clean (all runs).';

COMMENT ON TABLE ingest_runs IS 'One row per ingest or reparse run.';
COMMENT ON COLUMN ingest_runs.run_id IS 'The run: the Prefect flow run id.';
COMMENT ON COLUMN ingest_runs.flow_run_id IS 'Prefect flow run id (NULL outside Prefect).';
COMMENT ON COLUMN ingest_runs.profile IS 'Registry profile that ran (or ''reparse'').';
COMMENT ON COLUMN ingest_runs.registry IS 'Registry file used.';
COMMENT ON COLUMN ingest_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN ingest_runs.finished_at IS 'When it finished (NULL if it died).';
COMMENT ON COLUMN ingest_runs.status IS 'running, completed, partial (some items or sources failed) or failed.';
COMMENT ON COLUMN ingest_runs.found IS 'Items discovered.';
COMMENT ON COLUMN ingest_runs.new IS 'Articles loaded for the first time.';
COMMENT ON COLUMN ingest_runs.duplicate IS 'Items whose text was already stored.';
COMMENT ON COLUMN ingest_runs.failed IS 'Failure rows recorded.';
