"""Duplicates: content hashes, near copies (MinHash), stories, event-level matching."""
