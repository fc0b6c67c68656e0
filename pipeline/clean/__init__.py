"""Bronze -> silver cleaning: normalize, mask PII, tag language, flag spam, find duplicates.

The pipeline uses `Cleaner` (built from `load_cleaning_config()`); the step functions are public for
reuse and testing.
"""

from pipeline.clean.cleaner import Cleaner
from pipeline.clean.config import (
    CleaningConfig,
    LanguageConfig,
    NearDuplicateConfig,
    PiiConfig,
    SpamConfig,
    load_cleaning_config,
)
from pipeline.clean.dedup import NearDuplicateIndex, dedup_key
from pipeline.clean.language import UNDETERMINED, LanguageDetector, detect_language, get_language_detector
from pipeline.clean.normalize import normalize_text
from pipeline.clean.pii import MASK_TOKENS, PiiPatterns, compile_pii_patterns, mask_pii
from pipeline.clean.spam import SPAM_RULE_NAMES, SpamRules, compile_spam_rules, spam_reason

__all__ = [
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
]
