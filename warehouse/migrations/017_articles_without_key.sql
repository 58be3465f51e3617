-- ducklake: skip (DuckLake tables have no keys: warehouse/lake_sql.py drops them)
-- core.articles and core.http_cache without their PRIMARY KEY (issue 16). DuckDB 1.5.5 rewrites the
-- last, partly filled row group of a table with a key at every checkpoint (its ART index pins it):
-- COMMIT and CHECKPOINT of 2,000 articles at 100k took 18.8 s with the key, under 2.5 s without.
-- Uniqueness does not need the keys: every insert into core.articles follows the check of which
-- ids are stored, inside the batch's transaction (warehouse/load.py), and every http_cache write is
-- a delete then an insert of the URL's row (warehouse/crawl.py, as on DuckLake, whose tables have
-- no keys); loads take turns on the write lock. DuckDB cannot drop a key in place, so each table is
-- copied (every column, whatever earlier migrations added), its NOT NULL columns set again, and
-- renamed; the views name the tables and bind again when queried.
CREATE TABLE core.articles_017 AS SELECT * FROM core.articles;
ALTER TABLE core.articles_017 ALTER COLUMN article_id SET NOT NULL;
ALTER TABLE core.articles_017 ALTER COLUMN content_hash SET NOT NULL;
ALTER TABLE core.articles_017 ALTER COLUMN source_id SET NOT NULL;
ALTER TABLE core.articles_017 ALTER COLUMN url SET NOT NULL;
ALTER TABLE core.articles_017 ALTER COLUMN clean_text SET NOT NULL;
ALTER TABLE core.articles_017 ALTER COLUMN raw_text SET NOT NULL;
ALTER TABLE core.articles_017 ALTER COLUMN run_id SET NOT NULL;
ALTER TABLE core.articles_017 ALTER COLUMN loaded_at SET NOT NULL;
DROP TABLE core.articles;
ALTER TABLE core.articles_017 RENAME TO articles;

CREATE TABLE core.http_cache_017 AS SELECT * FROM core.http_cache;
ALTER TABLE core.http_cache_017 ALTER COLUMN url SET NOT NULL;
ALTER TABLE core.http_cache_017 ALTER COLUMN source_id SET NOT NULL;
ALTER TABLE core.http_cache_017 ALTER COLUMN kind SET NOT NULL;
ALTER TABLE core.http_cache_017 ALTER COLUMN status SET NOT NULL;
ALTER TABLE core.http_cache_017 ALTER COLUMN fetched_at SET NOT NULL;
DROP TABLE core.http_cache;
ALTER TABLE core.http_cache_017 RENAME TO http_cache;
