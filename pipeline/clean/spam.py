"""Spam rules: precise, explainable checks run on normalized, PII-masked review text.

Each rule returns a reason (`rule` or `rule: evidence`) or None; the first rule that fires decides. Anger,
capitals and complaints are never spam on their own: every rule needs solicitation, a link or contact with
an offer, or text that carries no words at all (repeats, keyboard mash).
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
_ASCII_NON_LETTER_TO_SPACE = {code: " " for code in range(128) if not "a" <= chr(code) <= "z"}
# Income and return claims: "made $870 today", "earn $300 per day", "make 5k a week", "300% APY".
_MONEY_CLAIM = re.compile(
    r"\b(?:made|make|makes|making|earn|earned|earns|earning)\s+(?:up\s+to\s+|over\s+)?[$€£]?\s?\d[\d,.]*\s?k?\+?"
    r"\s*(?:[$€£]\s*)?(?:today|daily|weekly|monthly|a\s+(?:day|week|month)|per\s+(?:day|week|month|hour)"
    r"|(?:every|each)\s+(?:day|week|month)|from\s+home)\b"
    r"|\b\d+(?:\.\d+)?\s?%\s?(?:apy|apr|roi|returns?|profit|(?:daily|weekly|monthly)\s+returns?)\b",
    re.IGNORECASE,
)
_CURRENCY_OR_PERCENT = re.compile(r"[$€£%]|\d\s?k\b")
# Letter-pair log-likelihood in bits over uniform letters (digit - 4, clamped to -4..4), row = first letter a..z.
# From 4.2M letter pairs of English review text, add-one smoothed; pairs common in other Latin-script languages
# ("ij", "sz", "cz", "tz", "kj", "aa") are raised to 0, so Dutch, Polish or Norwegian reviews are not keyboard mash.
_BIGRAM_BITS_TABLE = (
    "45550230543758040777553052",  # a
    "40006000440500500530600020",  # b
    "50105006305300604345500004",  # c
    "30036000540103500524240024",  # d
    "70676330441656330876053440",  # e
    "54005440644500600404400020",  # f
    "30045036340203500533300044",  # g
    "70408000744100600305240020",  # h
    "42655560444548431578340005",  # i
    "24443440004444040044440004",  # j
    "00006000444202000034040010",  # k
    "62057104641710700043301064",  # l
    "62006400440440540030300050",  # m
    "30476274504303600056200040",  # n
    "22243600345567650746765100",  # o
    "40006402400400440532400020",  # p
    "00000000400000000000400000",  # q
    "50348440603244510356411054",  # r
    "40206006643443630067544024",  # s
    "50307008644400700556543054",  # t
    "41404150340645040567400020",  # u
    "10007000404404200440000024",  # v
    "60046005604004500140000010",  # w
    "00200000400000020032000010",  # x
    "01403000144300420021004040",  # y
    "04445044344044000044444044",  # z
)
_BIGRAM_BITS: dict[str, int] = {
    first + second: int(digit) - 4
    for first, row in zip("abcdefghijklmnopqrstuvwxyz", _BIGRAM_BITS_TABLE, strict=True)
    for second, digit in zip("abcdefghijklmnopqrstuvwxyz", row, strict=True)
} | {pair: 0 for letter in " abcdefghijklmnopqrstuvwxyz" for pair in (" " + letter, letter + " ")}
_GIBBERISH_MAX_LETTERS = 120  # score a prefix: cost stays flat on long reviews, mash is mash from its start
_GIBBERISH_MAX_VOWEL_SHARE = 0.38  # cheap gate: mash has few vowels (random letters 0.23; 84% of reviews 0.38+)
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
    contact_promo: re.Pattern[str]


@dataclass(frozen=True)
class _Evidence:
    """What the rules read, computed once per review."""

    review: ReviewEvent
    text: str
    links: tuple[str, ...]  # links to domains not allowed
    prose: str  # text without links and mask tokens: phrases are looked for here, never inside a URL
    prose_lower: str


def compile_spam_rules(config: SpamConfig | None = None) -> SpamRules:
    """Compile `config` (default `SpamConfig()`) into the matchers `spam_reason` uses."""
    return _compiled(config or SpamConfig())


@lru_cache(maxsize=8)
def _compiled(config: SpamConfig) -> SpamRules:
    return SpamRules(
        config=config,
        solicitation=_phrase_pattern(config.solicitation_phrases),
        promo=_phrase_pattern(config.promo_words),
        contact_promo=_phrase_pattern(config.contact_promo_words),
    )


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
    evidence = _Evidence(review=review, text=normalized_text, links=links, prose=prose, prose_lower=prose.lower())
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
    match = rules.solicitation.search(evidence.prose_lower)
    return f"solicitation: {' '.join(match.group().split())!r}" if match else None


def _promo_with_link(evidence: _Evidence, config: SpamConfig, rules: SpamRules) -> str | None:
    if evidence.links:
        match = rules.promo.search(evidence.prose_lower)
        if match is None and _CURRENCY_OR_PERCENT.search(evidence.prose_lower):
            match = _MONEY_CLAIM.search(evidence.prose_lower)
    elif "[" in evidence.text and _CONTACT.search(evidence.text):
        match = rules.contact_promo.search(evidence.prose_lower)
    else:
        return None
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
    words = evidence.prose_lower.translate(_ASCII_PUNCTUATION_TO_SPACE).split()
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
    prose = evidence.prose_lower
    letters = prose.translate(_DROP_ASCII_NON_LETTERS)
    if not letters.isascii():
        letters = _NOT_ASCII_LETTER.sub("", letters)
    vowels = sum(map(letters.count, "aeiouy"))
    if len(letters) >= config.gibberish_min_letters and vowels < config.gibberish_max_vowel_ratio * len(letters):
        return "gibberish: few vowels"
    if len(letters) > config.gibberish_min_bigrams and vowels < _GIBBERISH_MAX_VOWEL_SHARE * len(letters):
        bits = _mean_bigram_bits(prose, config.gibberish_min_bigrams)
        if bits is not None and bits <= config.gibberish_max_bigram_bits:
            return f"gibberish: improbable letter pairs ({bits:.1f} bits)"
    alnum = prose.translate(_DROP_ASCII_NON_ALNUM)
    if not alnum.isascii():
        alnum = _NOT_ALNUM.sub("", alnum)
    # Collapsing repeats can leave < 5 characters only if the text uses < 5 distinct ones.
    if len(alnum) >= 10 and len(set(alnum)) < 5 and len(_RUNS.sub(r"\1", alnum)) < 5:
        return "gibberish: repeated characters"
    return None


def _mean_bigram_bits(lower_prose: str, min_bigrams: int) -> float | None:
    """Mean `_BIGRAM_BITS` of the letter pairs inside ASCII words (handles, tags and non-ASCII words skipped)."""
    words = lower_prose.split()
    if not lower_prose.isascii():
        words = [word for word in words if word.isascii()]
    if "@" in lower_prose or "#" in lower_prose:
        words = [word for word in words if word[0] not in "@#"]
    words = " ".join(words).translate(_ASCII_NON_LETTER_TO_SPACE).split()
    if len(words) < 3:
        return None
    text = " ".join(words)[:_GIBBERISH_MAX_LETTERS].rstrip()
    pairs = len(text) - 1 - 2 * text.count(" ")  # every space ends one word and starts the next
    if pairs < min_bigrams:
        return None
    return sum(map(_BIGRAM_BITS.__getitem__, map(str.__add__, text, text[1:]))) / pairs


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
