"""Text normalization: one canonical form, case kept."""

from __future__ import annotations

import pytest

from pipeline.clean import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fits &amp; looks great &quot;wow&quot;", 'Fits & looks great "wow"'),
        ("<p>Zipper <b>broke</b></p><br/>on day two", "Zipper broke on day two"),
        ("&lt;b&gt;escaped tags&lt;/b&gt; go too", "escaped tags go too"),
        ("<!-- tracking pixel -->Nice", "Nice"),
        ("I <3 it, and 2 < 3 > 1", "I <3 it, and 2 < 3 > 1"),
        ("ﬁts ＬＡＲＧＥ, size １２", "fits LARGE, size 12"),
        ("zero\u200bwidth\u200d and\ufeff bom\u00ad", "zerowidth and bom"),
        ("bell\x07 and\x00 nul", "bell and nul"),
        ("  many   spaces\t\tand\n\nlines \r\n ", "many spaces and lines"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_case_is_kept_for_the_scorer_and_spam_rules() -> None:
    assert normalize_text("NEVER AGAIN, Terrible") == "NEVER AGAIN, Terrible"


def test_normalizing_twice_changes_nothing() -> None:
    once = normalize_text("<i>Café</i> &amp;  ﬁne\u200b")
    assert normalize_text(once) == once
