"""The seeded multi-channel demo stream (catalog, texts, incidents, payloads) and the demo run."""
