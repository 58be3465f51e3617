"""Cleaning of extracted text: rule-based lines and per-host learned boilerplate."""
