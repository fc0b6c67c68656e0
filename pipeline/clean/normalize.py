"""Text normalization: the one canonical form every later cleaning step (and the scorer) reads."""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["normalize_text"]

# Only things that look like real tags (`<br>`, `</p>`, `<a href=...>`), so "<3" and "a < b" survive.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
# C0/C1 controls (tabs and newlines become spaces below), soft hyphen, zero-width and bidi marks, BOM,
# invisible operators, interlinear annotations and language tags.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]+"
)


def normalize_text(text: str) -> str:
    """Unescape HTML entities, strip tags, apply NFKC, drop control/zero-width characters, collapse whitespace.

    Case is kept: the scorer lowercases itself and PII/spam rules read capitals.
    """
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return " ".join(text.split())  # str.split() knows the same Unicode whitespace as \s, and is 3x faster
