-- Annexes (附件) of official notices: the files an article page links to (PDF, XLSX, XLS, DOCX), their
-- text, and what identifies each file. One row per article and annex URL; the bytes are kept in the raw
-- archive (kind 'attachment'). What could not be fetched or read is a row of failures (stage 'attachment').

CREATE TABLE core.attachments (
    attachment_id VARCHAR NOT NULL,        -- first 16 hex digits of sha256(article_id || ' ' || url): the FTS key
    article_id  VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    media_type  VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    bytes       BIGINT NOT NULL,
    fetched_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, url)
);

CREATE VIEW attachments AS
SELECT x.attachment_id, x.article_id, x.url, x.file_name, x.media_type, x.text, x.sha256, x.bytes, x.fetched_at,
       a.title, a.url AS article_url, a.source_id
FROM core.attachments x JOIN core.articles a USING (article_id);

COMMENT ON VIEW attachments IS 'Annexes (附件, Annex, Attachment) linked from articles: PDF, XLSX, XLS and DOCX files with their text.';
COMMENT ON COLUMN attachments.attachment_id IS 'Id of the row: 16 hex digits from the article id and the annex URL.';
COMMENT ON COLUMN attachments.article_id IS 'The article whose page links the annex (see articles).';
COMMENT ON COLUMN attachments.url IS 'URL of the annex file.';
COMMENT ON COLUMN attachments.file_name IS 'File name: the link text when it names a file, else the URL''s last segment.';
COMMENT ON COLUMN attachments.media_type IS 'Format read from the bytes: application/pdf, the XLSX, XLS or DOCX media type.';
COMMENT ON COLUMN attachments.text IS 'Extracted text: PDF text layer (empty for a scan), spreadsheet rows with tab-separated cells under a # sheet line, DOCX paragraphs and tables.';
COMMENT ON COLUMN attachments.sha256 IS 'sha256 of the file''s bytes (the raw archive keeps them).';
COMMENT ON COLUMN attachments.bytes IS 'Size of the file in bytes.';
COMMENT ON COLUMN attachments.fetched_at IS 'When the file was fetched (UTC).';
COMMENT ON COLUMN attachments.title IS 'Title of the article.';
COMMENT ON COLUMN attachments.article_url IS 'URL of the article page.';
COMMENT ON COLUMN attachments.source_id IS 'Source of the article.';

COMMENT ON COLUMN failures.stage IS 'Where it failed: discover, fetch, parse, clean, attachment (an annex that could not be fetched or read), run.';
