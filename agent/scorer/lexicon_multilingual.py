"""Precise, named regex rules for safety_hazard, legal_threat and refund_intent in German, Spanish, French, Italian,
Portuguese and Dutch: the English lexicon's design (substring gates, negation window, `unless` guards, precision
priors) applied per language to accent-folded text, so "gefährlich", "gefaehrlich" and "GEFAHRLICH" match alike."""

from __future__ import annotations

from functools import partial

from agent.scorer.lexicon import LexiconRule, rule_fires
from agent.scorer.lexicons import de, es, fr, it, nl, pt
from agent.scorer.lexicons.language import LanguageLexicon, fold_text

__all__ = [
    "MULTILINGUAL_LANGUAGES",
    "MULTILINGUAL_LEXICON_VERSION",
    "MULTILINGUAL_RULES",
    "match_rules_multilingual",
]

MULTILINGUAL_LEXICON_VERSION = "lexicon-ml-1"
"""Bump when a rule, guard, cue or prior changes: like `LEXICON_VERSION` it belongs in the scorer version hash."""

MULTILINGUAL_LANGUAGES: tuple[str, ...] = ("de", "es", "fr", "it", "pt", "nl")

_LEXICONS: dict[str, LanguageLexicon] = {
    lex.language: lex for lex in (de.LEXICON, es.LEXICON, fr.LEXICON, it.LEXICON, pt.LEXICON, nl.LEXICON)
}

MULTILINGUAL_RULES: dict[str, tuple[LexiconRule, ...]] = {
    code: _LEXICONS[code].rules for code in MULTILINGUAL_LANGUAGES
}

_WINDOW = 40
"""Characters inspected before a match for negation cues and on both sides for `unless` guards, as in English."""


def _negated(lexicon: LanguageLexicon, text: str, start: int, end: int) -> bool:
    clause = lexicon.clause_break.split(text[max(0, start - _WINDOW) : start])[-1]
    if lexicon.negation.search(clause) or lexicon.span_negation.search(text, start + 1, end):
        return True
    return lexicon.trailing_negation is not None and lexicon.trailing_negation.match(text, end) is not None


def match_rules_multilingual(text: str, language: str) -> dict[str, list[str]]:
    """Return flag name -> names of the `language` rules that fired on `text`; `{}` for a language without rules.

    `language` is an ISO 639-1 code; a region suffix ("de-AT", "pt_BR") and case are ignored.
    """
    lexicon = _LEXICONS.get(language.replace("_", "-").split("-")[0].lower())
    if lexicon is None:
        return {}
    folded = fold_text(text)
    fired: dict[str, list[str]] = {}
    negated = partial(_negated, lexicon)
    for rule in lexicon.rules:
        # Substring gates are ~100x cheaper than the regexes and almost every review fails all of them.
        if any(trigger in folded for trigger in rule.triggers) and rule_fires(rule, folded, negated):
            fired.setdefault(rule.flag, []).append(rule.name)
    return fired
