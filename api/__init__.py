"""The HTTP API: upload register documents, follow their jobs, read enriched records."""
