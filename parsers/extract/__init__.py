"""Pure extraction: feeds, listings, sitemaps, HTML pages, press texts, charsets, dates, canonical URLs."""
