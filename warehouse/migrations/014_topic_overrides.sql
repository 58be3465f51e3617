-- Analysts' verdicts on topics (`tradewire topics set ARTICLE TOPIC yes|no`): the views apply them,
-- reparse keeps them (clear_articles leaves this table alone). Keyed by the article's URL, which a
-- reparse keeps, where its id follows the cleaned text. A later verdict replaces an earlier one.
CREATE TABLE core.topic_overrides (
    url      VARCHAR NOT NULL,
    topic    VARCHAR NOT NULL,
    verdict  BOOLEAN NOT NULL,
    note     VARCHAR,
    set_by   VARCHAR,
    set_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (url, topic)
);

CREATE VIEW topic_overrides AS
SELECT a.article_id, o.url, o.topic, o.verdict, o.note, o.set_by, o.set_at
FROM core.topic_overrides o LEFT JOIN core.articles a ON a.url = o.url;

CREATE OR REPLACE VIEW article_topics AS
WITH verdicts AS (
    SELECT a.article_id, o.topic, o.verdict, o.note
    FROM core.topic_overrides o JOIN core.articles a ON a.url = o.url
)
SELECT t.article_id, t.topic, t.score, t.evidence,
       CASE WHEN v.verdict THEN 'confirmed' ELSE 'rules' END AS origin
FROM core.article_topics t
LEFT JOIN verdicts v ON v.article_id = t.article_id AND v.topic = t.topic
WHERE v.verdict IS DISTINCT FROM false
UNION ALL
SELECT v.article_id, v.topic, NULL, ['analyst' || coalesce(': ' || v.note, '')], 'analyst'
FROM verdicts v
WHERE v.verdict
  AND NOT EXISTS (SELECT 1 FROM core.article_topics t WHERE t.article_id = v.article_id AND t.topic = v.topic);

CREATE OR REPLACE VIEW topic_daily AS
SELECT coalesce(a.published_at, a.loaded_at)::DATE AS day, t.topic, count(*) AS articles
FROM article_topics t JOIN core.articles a USING (article_id)
GROUP BY ALL;

COMMENT ON VIEW topic_overrides IS 'Analysts'' verdicts on topics (tradewire topics set), applied by article_topics and topic_daily.';
COMMENT ON COLUMN topic_overrides.article_id IS 'The article the verdict applies to now (NULL if no stored article has that URL).';
COMMENT ON COLUMN topic_overrides.url IS 'The article''s URL: the key, so a reparse keeps the verdict.';
COMMENT ON COLUMN topic_overrides.topic IS 'logistics, customs, resumption or finance.';
COMMENT ON COLUMN topic_overrides.verdict IS 'true: the article is about the topic; false: it is not.';
COMMENT ON COLUMN topic_overrides.note IS 'Why, in the analyst''s words (optional).';
COMMENT ON COLUMN topic_overrides.set_by IS 'Who set it (the --by option, else the login name).';
COMMENT ON COLUMN topic_overrides.set_at IS 'When it was set (UTC).';
COMMENT ON VIEW article_topics IS 'Topics of each article (multi-label), with the score and the evidence that fired; analysts'' overrides applied.';
COMMENT ON COLUMN article_topics.article_id IS 'The article (see articles).';
COMMENT ON COLUMN article_topics.topic IS 'logistics, customs, resumption or finance.';
COMMENT ON COLUMN article_topics.score IS 'Topic score in [0, 1); the topic is assigned when it reaches the threshold in seeds/topics.toml. NULL for a topic only an analyst gave.';
COMMENT ON COLUMN article_topics.evidence IS 'Terms that fired, with counts (term×n); a leading ''-'' marks a negating term; ''analyst: <note>'' for an analyst''s topic.';
COMMENT ON COLUMN article_topics.origin IS 'rules (the classifier), confirmed (the classifier, confirmed by an analyst) or analyst (given by an analyst only). Topics an analyst rejected are left out.';
COMMENT ON VIEW topic_daily IS 'Articles per topic per day (publication day, else load day), analysts'' overrides applied.';
COMMENT ON COLUMN topic_daily.day IS 'Publication day of the articles (load day when the date is unknown).';
COMMENT ON COLUMN topic_daily.topic IS 'The topic.';
COMMENT ON COLUMN topic_daily.articles IS 'Number of articles.';
