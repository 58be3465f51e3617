-- Paragraph-level topic scores: which paragraphs of an article are about which topic.

CREATE TABLE core.paragraph_topics (
    article_id  VARCHAR NOT NULL,
    paragraph   INTEGER NOT NULL,
    topic       VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,
    evidence    VARCHAR[] NOT NULL
);

CREATE VIEW paragraph_topics AS
SELECT article_id, paragraph, topic, score, evidence FROM core.paragraph_topics;

COMMENT ON VIEW paragraph_topics IS 'Topic scores of single paragraphs (a topic may fire because one paragraph is strongly about it).';
COMMENT ON COLUMN paragraph_topics.article_id IS 'The article (see articles).';
COMMENT ON COLUMN paragraph_topics.paragraph IS 'Paragraph number in clean_text, from 0 (paragraphs are separated by blank lines).';
COMMENT ON COLUMN paragraph_topics.topic IS 'logistics, customs, resumption or finance.';
COMMENT ON COLUMN paragraph_topics.score IS 'The paragraph''s score for the topic, in [0, 1); rows below 0.1 are not kept.';
COMMENT ON COLUMN paragraph_topics.evidence IS 'Terms that fired in the paragraph, with counts.';
