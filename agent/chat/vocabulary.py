"""The words a question can name things with: taxonomy topics (names, ids, keywords, synonyms), the SKUs, regions,
warehouses, suppliers and categories present in the store.

Matching is deterministic: longest phrase first, no overlaps, case-insensitive, hyphens and spaces interchangeable
(`us west` = `US-West`, `jkt 0125` = `JKT-0125`). A SKU-shaped id the store does not know is reported as unknown
instead of being dropped, so the answer can say there is no data for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.gold import GoldConfig
from store.tables import SilverReview
from store.taxonomy import Taxonomy

__all__ = ["PLACE_DIMENSIONS", "Mention", "MentionKind", "Vocabulary", "load_vocabulary"]

MentionKind = Literal["topic", "domain", "sku", "region", "warehouse", "supplier", "category", "unknown_sku"]
PLACE_DIMENSIONS: tuple[str, ...] = ("sku", "region", "warehouse", "supplier", "category")

# Everyday words managers use for a topic, beyond the taxonomy's own names and keywords. A phrase maps to a leaf
# topic id, a flag id, or `domain:<id>` (every leaf of that domain).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "product_quality.defect": ("zipper", "zip", "zippers", "broke", "broken", "breaks", "defect", "defective",
                               "faulty", "stopped working", "not working", "seam", "button fell off"),
    "product_quality.material": ("material", "fabric", "thin", "see-through", "itchy", "scratchy", "pilling"),
    "product_quality.durability": ("durability", "fell apart", "falls apart", "falling apart", "wore out",
                                   "faded", "shrank", "shrinks", "lost shape"),
    "sizing_fit.runs_small": ("runs small", "run small", "too small", "too tight", "tight", "size up",
                              "small sizing", "sizing small"),
    "sizing_fit.runs_large": ("runs large", "run large", "too big", "too large", "baggy", "size down", "loose"),
    "sizing_fit.fit_cut": ("fit and cut", "too long", "boxy", "proportions"),
    "shipping_delivery.late": ("late", "delay", "delays", "delayed", "late delivery", "late deliveries",
                               "slow delivery", "slow shipping", "stuck in transit", "tracking", "carrier delay"),
    "shipping_delivery.lost_or_wrong": ("lost", "never arrived", "wrong item", "missing parcel", "missing package",
                                        "lost parcel", "lost package", "wrong size sent"),
    "packaging.damaged": ("packaging", "damaged", "crushed", "crushed box", "box", "damaged box", "damaged parcel",
                          "damaged in transit", "packing"),
    "listing_accuracy.photo_mismatch": ("photo", "photos", "picture", "pictures", "colour", "color",
                                        "not as pictured", "looks different"),
    "listing_accuracy.description_mismatch": ("description", "not as described", "misleading"),
    "support_experience.unresponsive": ("support", "customer service", "customer support", "no reply",
                                        "unresponsive", "chatbot", "rude"),
    "support_experience.returns_refunds": ("return", "returns", "refund", "refunds", "exchange", "exchanges"),
    "pricing_value.overpriced": ("price", "prices", "pricing", "overpriced", "expensive", "not worth"),
    "safety_hazard": ("safety", "hazard", "hazards", "unsafe", "overheat", "overheats", "overheating",
                      "overheated", "fire", "burn", "burns", "burned", "shock", "melted", "melting", "smoke"),
    "domain:product_quality": ("quality",),
    "domain:sizing_fit": ("sizing", "size", "sizes", "fit"),
    "domain:shipping_delivery": ("shipping", "delivery", "deliveries", "shipment", "shipments"),
    "domain:listing_accuracy": ("listing", "listings"),
    "domain:support_experience": ("service",),
}  # fmt: skip
_SKU = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,5})(?:[-_](\d{2,6})|\s?(\d{3,6}))(?![A-Za-z0-9])")
_CODE = re.compile(r"^([A-Za-z]{2,4})-(\d{1,4})$")
_PREFIX_WORD = {"SUP": "supplier", "WH": "warehouse"}
# Category names that are everyday words in questions (`top complaints`, `home page`): matched only when unambiguous.
_AMBIGUOUS_CATEGORIES = {
    "tops": r"(?<![a-z0-9])tops(?![a-z0-9])",
    "home": r"(?<![a-z0-9])home\s+(?:goods|products|category|items)(?![a-z0-9])",
}


@dataclass(frozen=True)
class Mention:
    """A thing the question names: what kind, the id it resolves to, and where in the question it stands."""

    kind: MentionKind
    value: str
    text: str
    start: int
    end: int


def _words(phrase: str) -> list[str]:
    return [word for word in re.split(r"[\s\-_.]+", phrase.lower()) if word]


def _phrase_pattern(phrase: str, plural: bool = True) -> str:
    words = [re.escape(word) for word in _words(phrase)]
    if plural and words and words[-1].isalpha():
        last = words[-1]
        if last.endswith("es") and last[:-2].endswith(("s", "x", "sh", "ch")):
            words[-1] = f"{last[:-2]}(?:es)?"
        elif last.endswith("s") and not last.endswith("ss"):
            words[-1] = f"{last[:-1]}s?"
        else:
            words[-1] = f"{last}(?:s|es)?"
    return r"(?<![a-z0-9])" + r"[\s\-_]*".join(words) + r"(?![a-z0-9])"


def _place_patterns(dimension: str, value: str) -> list[str]:
    if dimension == "category" and value.lower() in _AMBIGUOUS_CATEGORIES:
        return [_AMBIGUOUS_CATEGORIES[value.lower()]]
    patterns = [_phrase_pattern(value, plural=dimension == "category")]
    code = _CODE.match(value)
    if code and (word := _PREFIX_WORD.get(code.group(1).upper())):
        number = code.group(2).lstrip("0") or "0"
        patterns.append(rf"(?<![a-z0-9]){word}\s+0*{number}(?![a-z0-9])")
    elif len(_words(value)) > 1 and dimension == "category":
        patterns.append(_phrase_pattern(_words(value)[0]))
    return patterns


class Vocabulary:
    """Phrase -> topic/domain/place lookups built from a taxonomy and the places present in the store."""

    def __init__(
        self, taxonomy: Taxonomy, places: Mapping[str, Iterable[str]], countable_flags: Sequence[str] = ()
    ) -> None:
        self.taxonomy = taxonomy
        self.flags = [flag for flag in countable_flags if flag in taxonomy.flag_ids()]
        self.skus = {_sku_key(sku): sku for sku in places.get("sku", ())}
        self._entries: list[tuple[re.Pattern[str], MentionKind, str, int]] = []
        seen: set[str] = set()

        def add(pattern: str, kind: MentionKind, value: str, length: int) -> None:
            if pattern not in seen:
                seen.add(pattern)
                self._entries.append((re.compile(pattern, re.IGNORECASE), kind, value, length))

        for phrase, target in self._topic_phrases():
            topic_kind: MentionKind = "domain" if target.startswith("domain:") else "topic"
            add(_phrase_pattern(phrase), topic_kind, target.removeprefix("domain:"), len(phrase))
        for dimension in ("region", "warehouse", "supplier", "category"):
            for value in places.get(dimension, ()):
                kind: MentionKind = dimension
                if len(value) <= 3 and value.isupper():  # `AT`, `NO`, `US` are words unless written as codes
                    exact = re.compile(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])")
                    self._entries.append((exact, kind, value, len(value) + 20))
                    continue
                for pattern in _place_patterns(dimension, value):
                    add(pattern, kind, value, len(value) + 20)
        self._entries.sort(key=lambda entry: -entry[3])

    def _topic_phrases(self) -> list[tuple[str, str]]:
        phrases: list[tuple[str, str]] = []
        for domain in self.taxonomy.domains:
            phrases += [(domain.name, f"domain:{domain.id}"), (domain.id, f"domain:{domain.id}")]
            for topic in domain.topics:
                leaf = topic.id.split(".", 1)[1]
                phrases += [(topic.id, topic.id), (topic.name, topic.id), (leaf, topic.id)]
                phrases += [(keyword, topic.id) for keyword in topic.keywords]
        for flag in self.flags:
            definition = next(f for f in self.taxonomy.flags if f.id == flag)
            phrases += [(flag, flag), (definition.name, flag), *((k, flag) for k in definition.keywords)]
        for target, words in SYNONYMS.items():
            name = target.removeprefix("domain:")
            known = name in self.taxonomy.topic_ids() or name in self.flags
            known |= target.startswith("domain:") and any(d.id == name for d in self.taxonomy.domains)
            if known:
                phrases += [(word, target) for word in words]
        return phrases

    def find(self, question: str) -> list[Mention]:
        """Every non-overlapping thing the question names, in question order (longest phrases win)."""
        taken = [False] * len(question)
        found: list[Mention] = []
        for pattern, kind, value, _ in self._entries:
            for match in pattern.finditer(question):
                if any(taken[match.start() : match.end()]):
                    continue
                taken[match.start() : match.end()] = [True] * (match.end() - match.start())
                found.append(Mention(kind, value, match.group(0), match.start(), match.end()))
        for match in _SKU.finditer(question):
            if any(taken[match.start() : match.end()]):
                continue
            letters, digits = match.group(1), match.group(2) or match.group(3)
            sku = self.skus.get(f"{letters}{digits}".upper())
            if sku is not None:
                found.append(Mention("sku", sku, match.group(0), match.start(), match.end()))
            elif match.group(2):  # only hyphenated ids count as SKUs nobody sold; `top 100` is not one
                found.append(
                    Mention("unknown_sku", f"{letters.upper()}-{digits}", match.group(0), match.start(), match.end())
                )
        return sorted(found, key=lambda mention: mention.start)

    def topic_name(self, topic_id: str) -> str:
        """The dashboard name of a leaf topic or flag."""
        if topic_id in self.taxonomy.topic_ids():
            return self.taxonomy.topic(topic_id).name
        flag = next((f for f in self.taxonomy.flags if f.id == topic_id), None)
        return flag.name if flag is not None else topic_id

    def topic_text(self, topic_id: str) -> str:
        """Name, description and keywords: the text representative reviews are ranked against."""
        if topic_id in self.taxonomy.topic_ids():
            topic = self.taxonomy.topic(topic_id)
            return f"{topic.name}. {topic.description} {' '.join(topic.keywords)}"
        flag = next((f for f in self.taxonomy.flags if f.id == topic_id), None)
        return f"{flag.name}. {flag.description}" if flag is not None else topic_id

    def domain_topics(self, domain_id: str) -> list[str]:
        """The leaf ids of a domain."""
        return [t.id for d in self.taxonomy.domains if d.id == domain_id for t in d.topics]

    def countable_topics(self) -> list[str]:
        """Leaf topics and counted flags: what gold holds complaint counts for."""
        return [*self.taxonomy.topic_ids(), *self.flags]


def _sku_key(sku: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", sku).upper()


def load_vocabulary(session: Session, taxonomy: Taxonomy, gold: GoldConfig | None = None) -> Vocabulary:
    """The vocabulary over the places clean reviews in the store carry (one DISTINCT query per dimension)."""
    places: dict[str, list[str]] = {}
    for dimension in PLACE_DIMENSIONS:
        column = getattr(SilverReview, dimension)
        stmt = select(column).where(SilverReview.status == "clean", column.is_not(None)).distinct()
        places[dimension] = sorted(value for value in session.scalars(stmt) if value)
    return Vocabulary(taxonomy, places, list((gold or GoldConfig()).flags))
