"""The public surface of pipeline.clean is exactly what `__all__` lists."""

from __future__ import annotations

import pipeline.clean

EXPECTED = {
    "MASK_TOKENS",
    "SPAM_RULE_NAMES",
    "UNDETERMINED",
    "Cleaner",
    "CleaningConfig",
    "LanguageConfig",
    "LanguageDetector",
    "NearDuplicateConfig",
    "NearDuplicateIndex",
    "PiiConfig",
    "PiiPatterns",
    "SpamConfig",
    "SpamRules",
    "compile_pii_patterns",
    "compile_spam_rules",
    "dedup_key",
    "detect_language",
    "get_language_detector",
    "load_cleaning_config",
    "mask_pii",
    "normalize_text",
    "spam_reason",
}


def test_all_lists_the_public_api() -> None:
    assert set(pipeline.clean.__all__) == EXPECTED


def test_every_public_name_is_importable() -> None:
    for name in pipeline.clean.__all__:
        assert getattr(pipeline.clean, name) is not None
