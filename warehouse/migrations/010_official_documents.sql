-- Official-document metadata on articles (issue 13): the document number (发文字号, e.g. 国办函〔2018〕71号,
-- 海关总署公告2024年第12号, Announcement No. 12 [2024]), the issuing body as written (发文机关) and its
-- canonical name from seeds/gazetteer.toml, and the date the document was written (成文日期); read by
-- parsers/extract/official.py. Measures and alerts carry the article's document number. The views below are
-- replaced, so their comments are given again (006's text, with the new columns and values).

ALTER TABLE core.articles ADD COLUMN document_no VARCHAR;
ALTER TABLE core.articles ADD COLUMN issuer VARCHAR;
ALTER TABLE core.articles ADD COLUMN issuer_canonical VARCHAR;
ALTER TABLE core.articles ADD COLUMN written_at DATE;
ALTER TABLE core.alerts ADD COLUMN document_no VARCHAR;

CREATE OR REPLACE VIEW articles AS
SELECT article_id, source_id, url, title, published_at, clean_text, raw_text,
       story_id, canonical_url, title_source, date_text, date_source, agency, author, language,
       official, content_hash, loaded_at, document_no, issuer, issuer_canonical, written_at
FROM core.articles;

CREATE OR REPLACE VIEW measures AS
SELECT m.article_id, m.ordinal, m.text, m.topics, m.announcement_no, m.issuing_body, m.issuing_kind,
       m.effective_date, m.places, m.hs_codes, m.is_customs, a.title, a.url, a.published_at, a.story_id,
       a.document_no
FROM core.measures m JOIN core.articles a USING (article_id);

CREATE OR REPLACE VIEW customs_measures AS
SELECT * EXCLUDE (is_customs) FROM measures WHERE is_customs;

CREATE OR REPLACE VIEW alerts AS
SELECT alert_id, article_id, ordinal, title, issuing_body, announcement_no, published_at, url, measure_text, status,
       duplicate_of, attempts, last_error, created_at, delivered_at, document_no
FROM core.alerts;

COMMENT ON VIEW articles IS 'One row per distinct article text (exact copies at other URLs are sightings of it).';
COMMENT ON COLUMN articles.article_id IS 'First 16 hex digits of content_hash: the article''s id.';
COMMENT ON COLUMN articles.source_id IS 'Registry id of the source where the article was first found.';
COMMENT ON COLUMN articles.url IS 'URL (or file:// path) where the article was first found.';
COMMENT ON COLUMN articles.title IS 'Headline; when the text has none, its first sentence (see title_source).';
COMMENT ON COLUMN articles.published_at IS 'Publication time as the source gives it, in the source''s local time (Beijing for Chinese sources); NULL when no full date is given.';
COMMENT ON COLUMN articles.clean_text IS 'Cleaned body text, paragraphs separated by blank lines.';
COMMENT ON COLUMN articles.raw_text IS 'The text as parsed, before cleaning (the raw bytes are kept in the raw archive).';
COMMENT ON COLUMN articles.story_id IS 'Story the article belongs to (see the stories view).';
COMMENT ON COLUMN articles.canonical_url IS 'URL identity: tracking parameters, fragments, scheme, gateway mirrors removed; rel=canonical honoured.';
COMMENT ON COLUMN articles.title_source IS 'Where the title came from: headline, first_sentence, page, feed, listing, sitemap, metadata (an official document''s metadata table or labels), heading (its own heading).';
COMMENT ON COLUMN articles.date_text IS 'The date as written in the source, e.g. ''May 26th'' (kept even when it cannot be a full date).';
COMMENT ON COLUMN articles.date_source IS 'Where published_at came from: text, page, feed, listing, sitemap, metadata (an official document''s 发布日期).';
COMMENT ON COLUMN articles.agency IS 'News agency from the dateline, e.g. ''China News Service''.';
COMMENT ON COLUMN articles.author IS 'Author from the page metadata, when given.';
COMMENT ON COLUMN articles.language IS 'Language code: en or zh.';
COMMENT ON COLUMN articles.official IS 'True when the source is an official body (ministry, customs, city government).';
COMMENT ON COLUMN articles.content_hash IS 'sha256 of the normalised clean text: the exact-duplicate key.';
COMMENT ON COLUMN articles.loaded_at IS 'When the article was loaded into the warehouse.';
COMMENT ON COLUMN articles.document_no IS 'Document number of an official document as written (发文字号, e.g. ''国办函〔2018〕71号'', ''海关总署公告2024年第12号''; English ones as ''Announcement No. 12 [2024]''); NULL when the page gives none.';
COMMENT ON COLUMN articles.issuer IS 'Issuing body of an official document as written (发文机关, e.g. ''国务院办公厅''), from its metadata table, title, signature or number.';
COMMENT ON COLUMN articles.issuer_canonical IS 'The issuing body''s canonical name from seeds/gazetteer.toml (joint issuers separated by ''; ''); NULL when the gazetteer does not know it.';
COMMENT ON COLUMN articles.written_at IS 'Date the official document was written (成文日期), from its metadata table or the date under its signature.';

COMMENT ON VIEW measures IS 'Enumerated measures split out of articles (The first is ..., First, ... Second, ..., numbered lists).';
COMMENT ON COLUMN measures.article_id IS 'The article the measure comes from.';
COMMENT ON COLUMN measures.ordinal IS 'Position of the measure in the article''s enumeration (1, 2, ...).';
COMMENT ON COLUMN measures.text IS 'The measure''s text.';
COMMENT ON COLUMN measures.topics IS 'Topics of the measure itself.';
COMMENT ON COLUMN measures.announcement_no IS 'Announcement number, e.g. ''Announcement No. 45 [2020]''.';
COMMENT ON COLUMN measures.issuing_body IS 'Body issuing the measure (named in it, or the article''s issuer).';
COMMENT ON COLUMN measures.issuing_kind IS 'Kind of the issuing body: customs, port, ministry, government, ...';
COMMENT ON COLUMN measures.effective_date IS 'Date the measure takes effect, when given.';
COMMENT ON COLUMN measures.places IS 'Ports and places the measure names.';
COMMENT ON COLUMN measures.hs_codes IS 'HS codes the measure names (digits only).';
COMMENT ON COLUMN measures.is_customs IS 'About customs or port clearance and issued by a customs or port authority.';
COMMENT ON COLUMN measures.title IS 'Title of the article.';
COMMENT ON COLUMN measures.url IS 'URL of the article.';
COMMENT ON COLUMN measures.published_at IS 'Publication time of the article (source-local time).';
COMMENT ON COLUMN measures.story_id IS 'Story of the article.';
COMMENT ON COLUMN measures.document_no IS 'Document number of the article (see articles.document_no).';

COMMENT ON VIEW customs_measures IS 'Measures about customs or port clearance issued by a customs or port authority.';
COMMENT ON COLUMN customs_measures.article_id IS 'The article the measure comes from.';
COMMENT ON COLUMN customs_measures.ordinal IS 'Position of the measure in the article''s enumeration (1, 2, ...).';
COMMENT ON COLUMN customs_measures.text IS 'The measure''s text.';
COMMENT ON COLUMN customs_measures.topics IS 'Topics of the measure itself.';
COMMENT ON COLUMN customs_measures.announcement_no IS 'Announcement number, e.g. ''Announcement No. 45 [2020]''.';
COMMENT ON COLUMN customs_measures.issuing_body IS 'Body issuing the measure (named in it, or the article''s issuer).';
COMMENT ON COLUMN customs_measures.issuing_kind IS 'Kind of the issuing body: customs, port, ministry, government, ...';
COMMENT ON COLUMN customs_measures.effective_date IS 'Date the measure takes effect, when given.';
COMMENT ON COLUMN customs_measures.places IS 'Ports and places the measure names.';
COMMENT ON COLUMN customs_measures.hs_codes IS 'HS codes the measure names (digits only).';
COMMENT ON COLUMN customs_measures.title IS 'Title of the article.';
COMMENT ON COLUMN customs_measures.url IS 'URL of the article.';
COMMENT ON COLUMN customs_measures.published_at IS 'Publication time of the article (source-local time).';
COMMENT ON COLUMN customs_measures.story_id IS 'Story of the article.';
COMMENT ON COLUMN customs_measures.document_no IS 'Document number of the article (see articles.document_no).';

COMMENT ON VIEW alerts IS 'One row per customs measure considered for an alert, and what happened to it.';
COMMENT ON COLUMN alerts.alert_id IS 'Alert id (stable for a measure).';
COMMENT ON COLUMN alerts.article_id IS 'Article the measure came from.';
COMMENT ON COLUMN alerts.ordinal IS 'Position of the measure in that article.';
COMMENT ON COLUMN alerts.title IS 'Title of the article.';
COMMENT ON COLUMN alerts.issuing_body IS 'Issuing body of the measure.';
COMMENT ON COLUMN alerts.announcement_no IS 'Announcement number of the measure, when given.';
COMMENT ON COLUMN alerts.published_at IS 'Publication time of the article.';
COMMENT ON COLUMN alerts.url IS 'Link to the article.';
COMMENT ON COLUMN alerts.measure_text IS 'The measure''s text as sent.';
COMMENT ON COLUMN alerts.status IS 'pending (to deliver, retried every run), delivered, digest (waiting for the daily digest), duplicate (near duplicate of an alerted measure: never sent).';
COMMENT ON COLUMN alerts.duplicate_of IS 'For a duplicate: the alert it repeats.';
COMMENT ON COLUMN alerts.attempts IS 'Delivery attempts so far.';
COMMENT ON COLUMN alerts.last_error IS 'Why the last delivery failed (never contains the destination URLs).';
COMMENT ON COLUMN alerts.created_at IS 'When the alert was created.';
COMMENT ON COLUMN alerts.delivered_at IS 'When it was delivered.';
COMMENT ON COLUMN alerts.document_no IS 'Document number of the article, as sent in the alert.';
