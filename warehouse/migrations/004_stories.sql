-- Stories: every article belongs to one story (itself, a verbatim reprint with other boilerplate,
-- a cut version, ...). Near duplicates are found with MinHash signatures and LSH band keys kept
-- here, so new articles are compared with the whole history by an equi-join, not by rescanning.

ALTER TABLE core.articles ADD COLUMN story_id VARCHAR;
ALTER TABLE core.articles ADD COLUMN canonical_url VARCHAR;   -- identity of the URL (tracking params etc. removed)
ALTER TABLE core.articles ADD COLUMN official BOOLEAN;        -- from an official source (ministry, customs, city)
ALTER TABLE core.sightings ADD COLUMN canonical_url VARCHAR;

CREATE TABLE core.dedup_signatures (
    article_key  BIGINT NOT NULL,      -- neardup.article_key(article_id)
    article_id   VARCHAR NOT NULL,
    text_key     VARCHAR NOT NULL,     -- neardup.text_key(clean_text): exact-text identity
    n_shingles   INTEGER NOT NULL,
    sig          BLOB NOT NULL,        -- 128 little-endian uint32 MinHash values
    story_id     VARCHAR NOT NULL
);

CREATE TABLE core.dedup_bands (
    article_key  BIGINT NOT NULL,
    band         UTINYINT NOT NULL,
    key          BIGINT NOT NULL
);

CREATE OR REPLACE VIEW articles AS
SELECT article_id, source_id, url, title, published_at, clean_text, raw_text,
       story_id, canonical_url, title_source, date_text, date_source, agency, author, language,
       official, content_hash, loaded_at
FROM core.articles;

-- One row per story: its representative (an official source first, then the earliest published),
-- how many distinct texts and how many copies (URLs) it has, from which sources, first and last seen.
CREATE VIEW stories AS
WITH members AS (
    SELECT a.*, (SELECT count(*) FROM core.sightings s WHERE s.article_id = a.article_id) AS copies
    FROM core.articles a
)
SELECT story_id,
       first(article_id ORDER BY coalesce(official, false) DESC, published_at ASC NULLS LAST, loaded_at, article_id)
           AS representative_id,
       first(title ORDER BY coalesce(official, false) DESC, published_at ASC NULLS LAST, loaded_at, article_id)
           AS title,
       count(*) AS articles,
       sum(copies)::BIGINT AS copies,
       list(DISTINCT source_id ORDER BY source_id) AS sources,
       min(coalesce(published_at, loaded_at)) AS first_seen,
       max(coalesce(published_at, loaded_at)) AS last_seen
FROM members
GROUP BY story_id;

UPDATE core.sightings SET canonical_url = url WHERE canonical_url IS NULL;
UPDATE core.articles SET canonical_url = url WHERE canonical_url IS NULL;
UPDATE core.articles SET story_id = 'st-' || left(content_hash, 16) WHERE story_id IS NULL;
