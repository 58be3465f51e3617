-- The band index's generation (warehouse/band_index.py): a random token that every batch stored through
-- the index replaces in its own transaction. With the count and key sum of core.dedup_signatures it
-- tells whether the index's files hold exactly what the warehouse holds: the same articles stored
-- again with other stories (a reparse rolled back, a copy restored) carry another token. A sum of row
-- hashes did the same at 55-66 ms a check at 1M articles; this is one row.
CREATE TABLE core.band_index_state (token BIGINT NOT NULL);
