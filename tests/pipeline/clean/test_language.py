"""Language tagging: ISO 639-1 codes from the packaged py3langid model, `und` when too short or unsure."""

from __future__ import annotations

import pytest

from pipeline.clean import UNDETERMINED, LanguageConfig, LanguageDetector, detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The zipper broke on day two and the seller never replied to my emails.", "en"),
        ("Runs small, order a size up. The fabric is thin and see-through.", "en"),
        ("La cremallera se rompió el segundo día y nadie contesta mis correos.", "es"),
        ("La fermeture éclair s'est cassée au bout de deux jours, très déçue.", "fr"),
        ("Der Reißverschluss ist nach zwei Tagen kaputt gegangen, sehr enttäuschend.", "de"),
        ("Il vestito è arrivato strappato e il servizio clienti non risponde.", "it"),
        ("O vestido chegou rasgado e o atendimento não responde.", "pt"),
    ],
)
def test_detects_the_language_of_a_review(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["ok", "", "!!!", "👍👍", "5/5", "love it!", "[EMAIL] [PHONE]"])
def test_too_short_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


def test_shouting_is_detected_like_normal_case() -> None:
    assert detect_language("THE ZIPPER BROKE AFTER ONE DAY AND NOBODY ANSWERS") == "en"


def test_answers_only_languages_in_the_whitelist() -> None:
    detector = LanguageDetector(LanguageConfig(languages=("en", "es")))
    assert detector.detect("Der Reißverschluss ist nach zwei Tagen kaputt gegangen.") in {"en", "es", UNDETERMINED}


def test_unknown_language_code_names_it() -> None:
    detector = LanguageDetector(LanguageConfig(languages=("en", "xx")))
    with pytest.raises(ValueError, match="no model for xx"):
        detector.detect("The zipper broke on day two.")
