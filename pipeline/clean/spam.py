"""Spam rules: precise, explainable checks run on normalized, PII-masked review text.

Each rule returns a reason (`rule` or `rule: evidence`) or None; the first rule that fires decides. Anger,
capitals and complaints are never spam on their own: every rule needs solicitation, a link, or text that
carries no words at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.clean.config import SpamConfig
from pipeline.clean.pii import MASK_TOKENS
from store.schemas import Channel, ReviewEvent

__all__ = ["SPAM_RULE_NAMES", "SpamRules", "compile_spam_rules", "spam_reason"]

_LINK = re.compile(
    r"\bhttps?://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>\"')\]]*"  # bare domain with a path
    r"|\b[a-z0-9-]+\.(?:xyz|top|biz|info|click|shop|online|site|club|live|link|icu|buzz|ly|ru|cn)\b",
    re.IGNORECASE,
)
_DOT_LETTER = re.compile(r"\.[A-Za-z]")  # cheap pre-check: every bare domain has one
_HOST = re.compile(r"^(?:https?://)?(?:www\.)?([^/:?#]+)", re.IGNORECASE)
_CONTACT = re.compile(f"{re.escape(MASK_TOKENS['email'])}|{re.escape(MASK_TOKENS['phone'])}")
_MASKS = re.compile("|".join(re.escape(token) for token in MASK_TOKENS.values()))
_WORD = re.compile(r"\w+")
_NOT_ASCII_LETTER = re.compile(r"[^a-z]+")
_NOT_ALNUM = re.compile(r"[\W_]+")
# str.translate tables: C-speed equivalents of the regexes above for the ASCII part of a text.
_ASCII_PUNCTUATION_TO_SPACE = {code: " " for code in range(128) if not chr(code).isalnum()}
_DROP_ASCII_NON_LETTERS = {code: None for code in range(128) if not "a" <= chr(code) <= "z"}
_DROP_ASCII_NON_ALNUM = {code: None for code in range(128) if not chr(code).isalnum()}
_RUNS = re.compile(r"(.{1,3}?)\1{2,}", re.DOTALL)  # "aaaa", "hahaha", "lolol"
_STOPWORDS = frozenset(
    (
        "the", "and", "for", "but", "not", "you", "your", "this", "that", "with", "was", "are", "have", "has", "had",
        "its", "they", "them", "she", "her", "his", "him", "our", "out", "all", "any", "can", "too", "very",
        "just", "from", "were", "been", "will", "would", "could", "should", "there", "their", "what", "when", "which",
        "who",
    )
)  # fmt: skip


@dataclass(frozen=True)
class SpamRules:
    """Compiled phrase matchers and limits from a `SpamConfig` (build once with `compile_spam_rules`)."""

    config: SpamConfig
    solicitation: re.Pattern[str]
    promo: re.Pattern[str]


@dataclass(frozen=True)
class _Evidence:
    """What the rules read, computed once per review."""

    review: ReviewEvent
    text: str
    lower: str
    links: tuple[str, ...]
    prose: str  # text without links and mask tokens


def compile_spam_rules(config: SpamConfig | None = None) -> SpamRules:
    """Compile `config` (default `SpamConfig()`) into the matchers `spam_reason` uses."""
    return _compiled(config or SpamConfig())


@lru_cache(maxsize=8)
def _compiled(config: SpamConfig) -> SpamRules:
    solicitation = _phrase_pattern(config.solicitation_phrases)
    return SpamRules(config=config, solicitation=solicitation, promo=_phrase_pattern(config.promo_words))


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    """One regex over lowercased text, factored as a trie: ~4x faster than an IGNORECASE alternation."""
    trie: dict[str, Any] = {}
    for phrase in phrases:
        node = trie
        for char in " ".join(phrase.lower().split()):
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(rf"\b{_trie_regex(trie)}\b") if trie else re.compile(r"(?!)")


def _trie_regex(node: dict[str, Any]) -> str:
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _trie_regex(child) for char, child in node.items() if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body


def spam_reason(review: ReviewEvent, normalized_text: str, rules: SpamRules | None = None) -> str | None:
    """Why `review` is spam (`rule` or `rule: evidence`), or None; `normalized_text` is its masked title + text."""
    rules = rules or compile_spam_rules()
    lower = normalized_text.lower()
    found: list[str] = []
    if "://" in lower or "www." in lower or _DOT_LETTER.search(normalized_text):
        found = _LINK.findall(normalized_text)
    links = tuple(link for link in found if not _allowed(link, rules.config))
    prose = _LINK.sub(" ", normalized_text) if found else normalized_text
    if "[" in prose:
        prose = _MASKS.sub(" ", prose)
    evidence = _Evidence(review=review, text=normalized_text, lower=lower, links=links, prose=prose)
    for _, rule in _RULES:
        reason = rule(evidence, rules.config, rules)
        if reason is not None:
            return reason
    return None


def _allowed(link: str, config: SpamConfig) -> bool:
    host = _HOST.match(link)
    if host is None:
        return False
    name = host.group(1).lower()
    return any(name == domain or name.endswith("." + domain) for domain in config.allowed_link_domains)


def _solicitation(evidence: _Evidence, config: SpamConfig, rules: SpamRules) -> str | None:
    match = rules.solicitation.search(evidence.lower)
    return f"solicitation: {' '.join(match.group().split())!r}" if match else None


def _promo_with_link(evidence: _Evidence, config: SpamConfig, rules: SpamRules) -> str | None:
    if not evidence.links and not _CONTACT.search(evidence.text):
        return None
    match = rules.promo.search(evidence.lower)
    return f"promo_with_link: {' '.join(match.group().split())!r}" if match else None


def _short_text_with_link(evidence: _Evidence, config: SpamConfig, rules: SpamRules) -> str | None:
    if not evidence.links or evidence.review.channel is Channel.support:  # customers paste tracking links
        return None
    words = len(_WORD.findall(evidence.prose))
    return "short_text_with_link" if words <= config.short_link_max_words else None


def _shouting_with_link(evidence: _Evidence, config: SpamConfig, rules: SpamRules) -> str | None:
    if not evidence.links:
        return None
    letters = [char for char in evidence.prose if char.isalpha()]
    upper = sum(char.isupper() for char in letters)
    shouting = len(letters) >= 20 and upper >= config.shouting_min_upper_ratio * len(letters)
    return "shouting_with_link" if shouting else None


def _keyword_stuffing(evidence: _Evidence, config: SpamConfig, rules: SpamRules) -> str | None:
    if evidence.prose.count(" ") + 1 < config.stuffing_min_tokens:
        return None
    words = evidence.prose.lower().translate(_ASCII_PUNCTUATION_TO_SPACE).split()
    total, distinct = len(words), len(set(words))
    if total < config.stuffing_min_tokens:
        return None
    if distinct <= config.stuffing_max_distinct_ratio * total:
        return "keyword_stuffing"
    # One word above share s of all words leaves at most (1 - s) * total + 1 distinct ones: skip counting otherwise.
    if distinct <= (1 - config.stuffing_max_top_token_share) * total + 1:
        counts = Counter(word for word in words if len(word) >= 3 and word not in _STOPWORDS)
        if counts:
            word, count = counts.most_common(1)[0]
            if count > config.stuffing_max_top_token_share * total:
                return f"keyword_stuffing: {word!r}"
    return None


def _gibberish(evidence: _Evidence, config: SpamConfig, rules: SpamRules) -> str | None:
    prose = evidence.prose.lower()
    letters = prose.translate(_DROP_ASCII_NON_LETTERS)
    if not letters.isascii():
        letters = _NOT_ASCII_LETTER.sub("", letters)
    if len(letters) >= config.gibberish_min_letters:
        vowels = sum(map(letters.count, "aeiouy"))
        if vowels < config.gibberish_max_vowel_ratio * len(letters):
            return "gibberish: few vowels"
    alnum = prose.translate(_DROP_ASCII_NON_ALNUM)
    if not alnum.isascii():
        alnum = _NOT_ALNUM.sub("", alnum)
    # Collapsing repeats can leave < 5 characters only if the text uses < 5 distinct ones.
    if len(alnum) >= 10 and len(set(alnum)) < 5 and len(_RUNS.sub(r"\1", alnum)) < 5:
        return "gibberish: repeated characters"
    return None


_Rule = Callable[[_Evidence, SpamConfig, SpamRules], "str | None"]
_RULES: tuple[tuple[str, _Rule], ...] = (
    ("solicitation", _solicitation),
    ("promo_with_link", _promo_with_link),
    ("short_text_with_link", _short_text_with_link),
    ("shouting_with_link", _shouting_with_link),
    ("keyword_stuffing", _keyword_stuffing),
    ("gibberish", _gibberish),
)
SPAM_RULE_NAMES: tuple[str, ...] = tuple(name for name, _ in _RULES)
"""Rule names in evaluation order; every spam reason starts with one of them."""
