-- Revisions of official notices: an official source's article page is re-checked with conditional
-- requests for a while after it was first seen (TRADEWIRE_REVISION_DAYS); when its cleaned text,
-- title or metadata changed, the article gets a new revision here instead of a new article. Its id
-- stays that of the text first loaded; the latest revision holds what the page says now.

CREATE TABLE core.article_revisions (
    article_id    VARCHAR NOT NULL,
    revision      INTEGER NOT NULL,     -- 1 for the first change after loading, then 2, 3, ...
    url           VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    fetched_at    TIMESTAMP NOT NULL,
    changed       VARCHAR[] NOT NULL,   -- title | text | metadata
    title         VARCHAR,
    clean_text    VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    metadata      VARCHAR,              -- JSON: {field: [before, after]} for the metadata that changed
    diff          VARCHAR NOT NULL,     -- unified diff (difflib) of title and text, previous -> this
    customs       BOOLEAN NOT NULL,     -- the revised text carries customs measures
    run_id        VARCHAR NOT NULL
);

CREATE VIEW article_revisions AS
SELECT r.article_id, r.revision, r.url, r.source_id, r.fetched_at, r.changed, r.title, r.clean_text, r.metadata,
       r.diff, r.customs
FROM core.article_revisions r;

COMMENT ON VIEW article_revisions IS 'Changes of official notices after they were loaded: one row per revision, with what changed and a unified diff.';
COMMENT ON COLUMN article_revisions.article_id IS 'The article (articles.article_id, the text first loaded).';
COMMENT ON COLUMN article_revisions.revision IS 'Revision number: 1 for the first change after loading, then 2, 3, ...';
COMMENT ON COLUMN article_revisions.url IS 'The page that changed.';
COMMENT ON COLUMN article_revisions.source_id IS 'Registry id of its (official) source.';
COMMENT ON COLUMN article_revisions.fetched_at IS 'When the changed page was fetched (UTC).';
COMMENT ON COLUMN article_revisions.changed IS 'What changed: title, text, metadata (publication date, date as written, author, agency, language).';
COMMENT ON COLUMN article_revisions.title IS 'Title of this revision.';
COMMENT ON COLUMN article_revisions.clean_text IS 'Cleaned text of this revision.';
COMMENT ON COLUMN article_revisions.metadata IS 'JSON {field: [before, after]} of the metadata that changed.';
COMMENT ON COLUMN article_revisions.diff IS 'Unified diff (Python difflib) of title and text, from the previous revision (or the article as loaded) to this one.';
COMMENT ON COLUMN article_revisions.customs IS 'Whether the revised text carries customs measures (an amended customs notice alerts once).';
