"""Per-language rule tables of the multilingual lexicon; `agent.scorer.lexicon_multilingual` is the entry point."""
