-- Event level of stories (docs/events.md): reports of one announcement, measure or briefing, in other
-- words or another language, are one event story; the copy level (story_id) stays as it is. Each
-- placement keeps why the article joined (the candidates it was compared with, the anchors both
-- carry, the conflicts, the probability), as JSON text, queryable with DuckDB's JSON functions.

CREATE TABLE core.event_keys (
    key         BIGINT NOT NULL,     -- blocking key (parsers.stories.event_index.blocking_keys), hashed
    day         INTEGER,             -- publication day (ordinal), NULL when unknown
    article_id  VARCHAR NOT NULL
);

CREATE TABLE core.event_profiles (
    article_id  VARCHAR NOT NULL,
    day         INTEGER,
    event_id    VARCHAR NOT NULL,
    profile     VARCHAR NOT NULL     -- parsers.stories.events.Profile.to_json()
);

CREATE TABLE core.event_placements (
    article_id   VARCHAR NOT NULL,
    event_id     VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,   -- founder | joined
    matched      VARCHAR,
    probability  DOUBLE NOT NULL,
    why          VARCHAR NOT NULL,   -- parsers.stories.event_index.Placement.why() as JSON
    placed_at    TIMESTAMP NOT NULL
);

CREATE VIEW event_members AS
SELECT p.article_id, p.event_id, p.kind, p.matched, p.probability,
       json_extract_string(c.value, '$.rule') AS rule,
       json_extract(c.value, '$.shared') AS shared,
       json_extract(c.value, '$.conflicts') AS conflicts,
       p.why, a.title, a.source_id, a.url, a.language, a.published_at, p.placed_at
FROM core.event_placements p
LEFT JOIN core.articles a USING (article_id)
LEFT JOIN (
    SELECT e.article_id, u.value
    FROM core.event_placements e, json_each(json_extract(e.why, '$.candidates')) u
    WHERE json_extract_string(u.value, '$.article_id') = e.matched
) c ON c.article_id = p.article_id;

CREATE VIEW event_stories AS
SELECT e.event_id,
       first(a.title ORDER BY coalesce(a.official, false) DESC, a.published_at ASC NULLS LAST, a.article_id)
           AS title,
       count(*) AS articles,
       list(DISTINCT a.source_id ORDER BY a.source_id) AS sources,
       list(DISTINCT a.language ORDER BY a.language) AS languages,
       min(coalesce(a.published_at, a.loaded_at)) AS first_seen,
       max(coalesce(a.published_at, a.loaded_at)) AS last_seen
FROM core.event_profiles e JOIN core.articles a USING (article_id)
GROUP BY e.event_id;

COMMENT ON VIEW event_members IS 'Each article''s event story and why it joined it: the member it matched best, the rule, the anchors both carry and the conflicts (docs/events.md).';
COMMENT ON COLUMN event_members.article_id IS 'The article (see articles).';
COMMENT ON COLUMN event_members.event_id IS 'Its event story: reports of one announcement, measure or briefing, across outlets and languages (see event_stories).';
COMMENT ON COLUMN event_members.kind IS 'founder (it started the event story) or joined.';
COMMENT ON COLUMN event_members.matched IS 'The member of the event story it matched best (NULL for a founder).';
COMMENT ON COLUMN event_members.probability IS 'The matcher''s probability that it and the matched member report one event (0 for a founder).';
COMMENT ON COLUMN event_members.rule IS 'What joined them: model (the calibrated matcher) or copy (a near copy); NULL for a founder.';
COMMENT ON COLUMN event_members.shared IS 'Anchors both carry, per kind (JSON): docs, dates, numbers, percents, counts, hs, people, places, terms ...';
COMMENT ON COLUMN event_members.conflicts IS 'Disagreements between the two (JSON list): docs, genre, rates, counts, dates, period ...';
COMMENT ON COLUMN event_members.why IS 'The whole placement as JSON: every candidate compared, with its rule, probability, shared anchors, conflicts and features.';
COMMENT ON COLUMN event_members.title IS 'The article''s title.';
COMMENT ON COLUMN event_members.source_id IS 'Source where the article was first found.';
COMMENT ON COLUMN event_members.url IS 'URL where the article was first found.';
COMMENT ON COLUMN event_members.language IS 'Language of the article.';
COMMENT ON COLUMN event_members.published_at IS 'Publication time as the source gives it.';
COMMENT ON COLUMN event_members.placed_at IS 'When it was placed (the load of its batch).';
COMMENT ON VIEW event_stories IS 'One row per event story: the reports of one announcement, measure or briefing, across outlets and languages.';
COMMENT ON COLUMN event_stories.event_id IS 'The event story (ev- and the id of the article that founded it).';
COMMENT ON COLUMN event_stories.title IS 'Title of its representative: an official source first, then the earliest published.';
COMMENT ON COLUMN event_stories.articles IS 'Number of articles (distinct texts) in it.';
COMMENT ON COLUMN event_stories.sources IS 'Sources of its articles.';
COMMENT ON COLUMN event_stories.languages IS 'Languages of its articles.';
COMMENT ON COLUMN event_stories.first_seen IS 'Earliest publication (or load) time of its articles.';
COMMENT ON COLUMN event_stories.last_seen IS 'Latest publication (or load) time of its articles.';
