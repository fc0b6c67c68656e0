"""What one language contributes to the multilingual lexicon, and the accent folding its patterns and texts share.

Texts are folded once (casefold, accents stripped, "ß" -> "ss"), so patterns are written with accents for readability
and compiled folded; German umlauts also accept the "ae/oe/ue" spelling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from agent.scorer.lexicon import LexiconRule

__all__ = ["LanguageLexicon", "build_rule", "fold_text", "folded_pattern", "gap"]

_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "’": "'", "‘": "'", "ʼ": "'", "´": "'"})
_UMLAUT_SPELLINGS = {"ä": "(?:ae|a)", "ö": "(?:oe|o)", "ü": "(?:ue|u)"}
_UMLAUT_LANGUAGES = frozenset({"de"})


def fold_text(text: str) -> str:
    """Lowercase `text` and strip its accents so "Gefährlich", "gefahrlich" and "GEFÄHRLICH" compare equal."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _COMBINING_MARKS.sub("", decomposed).translate(_LIGATURES)


def folded_pattern(pattern: str, language: str) -> str:
    """Fold a hand-written lowercase pattern the way `fold_text` folds texts (regex syntax is left untouched)."""
    if language in _UMLAUT_LANGUAGES:
        for umlaut, spellings in _UMLAUT_SPELLINGS.items():
            pattern = pattern.replace(umlaut, spellings)
    pattern = pattern.replace("ß", "ss")
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", pattern)).translate(_LIGATURES)


def _folded_triggers(triggers: tuple[str, ...], language: str) -> tuple[str, ...]:
    variants: list[str] = []
    for trigger in triggers:
        candidates = [fold_text(trigger)]
        if language in _UMLAUT_LANGUAGES:
            candidates.append(fold_text(trigger.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")))
        variants.extend(c for c in candidates if c not in variants)
    return tuple(variants)


def gap(negations: str, max_chars: int = 40) -> str:
    """Up to `max_chars` characters of the same sentence that contain none of the `negations` words.

    Used between a subject and its hazard ("das Netzteil wird extrem heiß") so "wird nicht heiß" cannot match.
    """
    return rf"(?:(?!\b(?:{negations})\b)[^.!?;:]){{0,{max_chars}}}"


def build_rule(
    language: str,
    name: str,
    flag: str,
    triggers: tuple[str, ...],
    pattern: str,
    prior: float,
    unless: str | None = None,
    negatable: bool = True,
) -> LexiconRule:
    """A `LexiconRule` named `name@language` whose pattern, guard and triggers are folded for `language`.

    Every alternative of `unless` is anchored at a word start.
    """
    return LexiconRule(
        name=f"{name}@{language}",
        flag=flag,
        triggers=_folded_triggers(triggers, language),
        pattern=re.compile(folded_pattern(pattern, language), re.IGNORECASE),
        precision_prior=prior,
        # Guards start at a word boundary so "wachs" (wax) does not veto "erwachsen" (adult).
        unless=re.compile(folded_pattern(rf"\b(?:{unless})", language), re.IGNORECASE) if unless else None,
        negatable=negatable,
    )


@dataclass(frozen=True)
class LanguageLexicon:
    """One language's rules and the cues that deny a match: a negation earlier in the clause or inside the match
    ("el cargador no se calienta demasiado"), or in verb-second languages a negation right after it ("überhitzt
    nicht", "chauffe pas")."""

    language: str
    rules: tuple[LexiconRule, ...]
    negation: re.Pattern[str]
    """Searched in the clause before a match; ends with `[^.!?;]*$` like the English `_NEGATION`."""
    span_negation: re.Pattern[str]
    """Searched inside a match, past its first character (so "nicht kindersicher" can itself be a rule)."""
    clause_break: re.Pattern[str]
    """Splits the text before a match into clauses; non-capturing."""
    trailing_negation: re.Pattern[str] | None = None
    """Matched right after a match (`pattern.match(text, end)`); stops at its own clause boundary."""

    @classmethod
    def build(
        cls,
        language: str,
        rules: tuple[LexiconRule, ...],
        negations: str,
        hypotheticals: str,
        clause_breaks: str,
        punctuation: str = r"[.!?;:,]",
        trailing_negations: str | None = None,
        trailing_stops: str = "",
    ) -> LanguageLexicon:
        """Compile word alternations (written with accents) into the matcher's patterns.

        `negations` deny anything after them in the clause or inside a match; `hypotheticals` ("Angst", "falls",
        "protection") only deny what follows them in the clause.
        """
        stops = rf"\b(?:{trailing_stops})\b|" if trailing_stops else ""
        trailing = rf"(?:(?!{stops}[.!?;:,]).){{0,25}}?\b(?:{trailing_negations})\b" if trailing_negations else None
        return cls(
            language=language,
            rules=rules,
            negation=re.compile(folded_pattern(rf"\b(?:{negations}|{hypotheticals})\b[^.!?;]*$", language)),
            span_negation=re.compile(folded_pattern(rf"\b(?:{negations})\b", language)),
            clause_break=re.compile(folded_pattern(rf"{punctuation}|\b(?:{clause_breaks})\b", language)),
            trailing_negation=re.compile(folded_pattern(trailing, language)) if trailing else None,
        )
