-- core.articles.article_key (issue 16): `md5_number_lower(article_id)`, written by the loader with every
-- row (warehouse/load.py). Which of a batch's articles are stored was read from every article_id
-- string (1M at 1M articles: 30-40 ms a batch); the integer keys are read in a fraction of that.
-- Equal ids have equal keys: no key in common (and no row without a key, as other writers may leave
-- it) means none is stored; else the ids are compared as before.
ALTER TABLE core.articles ADD COLUMN article_key UBIGINT;
UPDATE core.articles SET article_key = md5_number_lower(article_id);
