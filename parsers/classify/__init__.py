"""Topics with their evidence, enumerated measures and their fields (issuers, numbers, dates, HS codes)."""
