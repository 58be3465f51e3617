-- core.http_cache.url_key (issue 16): the lower 64 bits of the URL's MD5 (`md5_number_lower(url)`),
-- written with every row. A load replaces its fetched pages' rows (a delete then an insert,
-- warehouse/crawl.py); finding whether any is stored read every URL string (1.3M rows at 1M articles:
-- 60 ms a batch, most of the write), the integer keys are read in a fraction of that. Equal URLs have
-- equal keys, so no key in common means no row to replace; a key in common runs the delete by URL.
-- Migration 020 makes the column NOT NULL (DuckDB cannot in the transaction that updated it).
ALTER TABLE core.http_cache ADD COLUMN url_key UBIGINT;
UPDATE core.http_cache SET url_key = md5_number_lower(url);
