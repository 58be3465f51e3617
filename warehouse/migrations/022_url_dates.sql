-- articles.date_source gains 'url' (issue 14): a page with no date of its own is dated by the day its
-- URL spells in the forms Chinese publishers use (t20230707_, /20260119/, /202412/04/, /2025/0406/).
COMMENT ON COLUMN articles.date_source IS 'Where published_at came from: text, page, feed, listing, sitemap, metadata (an official document''s 发布日期), url (the day the page''s URL spells, when the page has none).';
