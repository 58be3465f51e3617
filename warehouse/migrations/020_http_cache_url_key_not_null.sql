-- ducklake: skip (DuckLake refuses SET NOT NULL on a table updated since its stats; there only
-- warehouse/crawl.py writes core.http_cache, and it computes url_key in its INSERT)
-- Every writer of core.http_cache fills url_key (migration 019): a row without it is refused, so the
-- look-up by key never misses a stored URL.
ALTER TABLE core.http_cache ALTER COLUMN url_key SET NOT NULL;
