"""Records in, enriched records out: entities, normalised values, purpose probabilities."""
