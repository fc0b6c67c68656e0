"""Everyday traffic of the demo shop: stationary Poisson chatter per SKU, spam bots and cross-channel re-sends."""

from __future__ import annotations

import random
from collections.abc import Iterator

from lab.demo.catalog import DIURNAL, Catalog, Customer, Region, Sku
from lab.demo.payloads import Draft
from lab.demo.text import (
    SERVICE_TOPICS,
    compose_review,
    compose_spam,
    nps_score_for,
    stars_for,
    stylize,
    text_values,
)

__all__ = ["TOPICS", "Chatter", "arrivals", "resend", "spam_drafts"]

DAY = 86_400

_CHANNELS = ("storefront", "support", "app_store", "nps", "social")
_CHANNEL_CUM = (0.55, 0.70, 0.80, 0.92, 1.0)
# P(positive), P(positive or neutral); the rest are complaints
_INTENT_CUM = {"storefront": (0.68, 0.80), "support": (0.05, 0.25), "app_store": (0.50, 0.65), "nps": (0.60, 0.78),
               "social": (0.45, 0.60)}  # fmt: skip
_SKU_SHARE = {"storefront": 1.0, "support": 0.85, "app_store": 0.05, "nps": 0.65, "social": 0.35}
_TOPIC_WEIGHTS = {  # background complaint topic mix per channel, in taxonomy order
    "storefront": (10, 11, 9, 8, 6, 7, 7, 5, 5, 7, 6, 3, 6, 10),
    "support": (10, 2, 5, 5, 4, 2, 12, 14, 6, 2, 3, 10, 18, 3),
    "nps": (6, 6, 6, 5, 4, 3, 14, 7, 7, 4, 4, 10, 10, 14),
    "social": (8, 4, 4, 3, 2, 2, 14, 10, 6, 4, 3, 18, 10, 6),
}
TOPICS = (
    "product_quality.defect", "product_quality.material", "product_quality.durability", "sizing_fit.runs_small",
    "sizing_fit.runs_large", "sizing_fit.fit_cut", "shipping_delivery.late", "shipping_delivery.lost_or_wrong",
    "packaging.damaged", "listing_accuracy.photo_mismatch", "listing_accuracy.description_mismatch",
    "support_experience.unresponsive", "support_experience.returns_refunds", "pricing_value.overpriced",
)  # fmt: skip
_PRODUCT_GROUPS = {
    "apparel": set(TOPICS),
    "shoes": set(TOPICS),
    "electronics": set(TOPICS) - {t for t in TOPICS if t.startswith("sizing_fit")},
}
_PRODUCT_GROUPS["home"] = _PRODUCT_GROUPS["electronics"]
_MILD_NON_APPAREL = SERVICE_TOPICS | {"listing_accuracy.photo_mismatch", "listing_accuracy.description_mismatch"}
_SPAM_CHANNELS = ("social", "social", "social", "storefront", "storefront", "app_store", "app_store", "nps")
_STARS_TO_NPS = {5: (9, 10), 4: (7, 8), 3: (5, 6), 2: (3, 4), 1: (0, 1, 2)}


def _cumulative(weights: list[float]) -> list[float]:
    total, acc, cum = sum(weights), 0.0, []
    for w in weights:
        acc += w / total
        cum.append(acc)
    cum[-1] = 1.0
    return cum


def _pick(rng: random.Random, items: tuple[str, ...] | list[str], cum: tuple[float, ...] | list[float]) -> str:
    r = rng.random()
    for item, edge in zip(items, cum, strict=True):
        if r < edge:
            return item
    return items[-1]


class Chatter:
    """Everyday reviews: who writes, about what, on which channel, with what mood."""

    def __init__(self, rng: random.Random, catalog: Catalog, customers: list[Customer]) -> None:
        self.rng, self.catalog, self.customers = rng, catalog, customers
        self.topic_pools: dict[tuple[str, str | None], tuple[list[str], list[float]]] = {}
        for channel, weights in _TOPIC_WEIGHTS.items():
            for group, allowed in [*_PRODUCT_GROUPS.items(), (None, SERVICE_TOPICS)]:
                pairs = [(t, w) for t, w in zip(TOPICS, weights, strict=True) if t in allowed]
                self.topic_pools[(channel, group)] = ([t for t, _ in pairs], _cumulative([w for _, w in pairs]))

    def review(self, created: int, channel: str | None = None) -> Draft:
        """One review written at `created` (seconds after the start), on `channel` or one drawn from the mix."""
        rng = self.rng
        channel = channel or _pick(rng, _CHANNELS, _CHANNEL_CUM)
        customer = self.customers[rng.randrange(len(self.customers))]
        sku = self.catalog.draw(rng) if rng.random() < _SKU_SHARE[channel] else None
        pos, neu = _INTENT_CUM[channel]
        r = rng.random()
        intent = "positive" if r < pos else "neutral" if r < neu else "negative"
        topic: str | None = None
        group = sku.group if sku else None
        if intent == "negative" and channel != "app_store":
            topics, cum = self.topic_pools[(channel, group)]
            topic = _pick(rng, topics, cum)
        elif intent == "neutral" and channel in ("storefront", "nps") and rng.random() < 0.5:
            topics, cum = self.topic_pools[("storefront", group)]
            topic = _pick(rng, topics, cum)
            if group not in ("apparel", "shoes") and topic not in _MILD_NON_APPAREL:
                topic = None
        region = customer.region
        carrier = rng.choice(region.carriers)
        rating = self._rating(channel, intent)
        values = text_values(rng, sku, carrier)
        title, body = compose_review(rng, channel, intent, topic, sku, values, rating)
        draft = self._draft(created, channel, customer, region, intent, sku, carrier, rating, title, stylize(rng, body))
        draft.topic = topic
        return draft

    def _rating(self, channel: str, intent: str) -> int | None:
        if channel in ("storefront", "app_store"):
            return stars_for(self.rng, intent)
        return nps_score_for(self.rng, intent) if channel == "nps" else None

    def _draft(
        self, created: int, channel: str, customer: Customer, region: Region, intent: str, sku: Sku | None,
        carrier: str, rating: int | None, title: str, body: str,
    ) -> Draft:  # fmt: skip
        rng = self.rng
        has_order = (
            channel == "storefront"
            or (channel == "support" and (sku is not None or rng.random() < 0.5))
            or (channel == "nps" and rng.random() < 0.8)
        )
        shows_region = (
            has_order or (channel == "nps" and rng.random() < 0.9) or (channel == "social" and rng.random() < 0.5)
        )
        warehouse = region.warehouses[0] if rng.random() < 0.85 else region.warehouses[-1]
        delay = {"storefront": (2, 90), "support": (3600, 6 * 3600), "app_store": (300, 3600), "nps": (60, 1800),
                 "social": (10, 600)}[channel]  # fmt: skip
        return Draft(
            created=created,
            received=created + rng.randrange(*delay),
            source=channel,
            customer=customer,
            intent=intent,
            sku=sku,
            region=region.name if shows_region else None,
            warehouse=warehouse if has_order else None,
            carrier=carrier if has_order else None,
            territory=rng.choice(region.territories) if channel == "app_store" else None,
            quantity=1 if rng.random() < 0.85 else rng.choice((2, 2, 3)),
            has_order=has_order,
            rating=rating,
            title=title,
            body=body,
        )


def arrivals(rng: random.Random, per_day: float, horizon: int) -> Iterator[int]:
    """Poisson arrivals shaped by the time of day (thinning), in seconds after the start."""
    peak = max(DIURNAL)
    rate = per_day / DAY * peak / (sum(DIURNAL) / 24)
    t = 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= horizon:
            return
        if rng.random() < DIURNAL[int(t // 3600) % 24] / peak:
            yield int(t)


def spam_drafts(rng: random.Random, chatter: Chatter, count: int, horizon: int) -> list[Draft]:
    """`count` spam posts from a handful of bot accounts, spread over the window."""
    taken = {c.id for c in chatter.customers}
    free = (f"C-{n}" for n in range(99_999, 9_999, -1) if f"C-{n}" not in taken)
    bots = [
        Customer(next(free), name, f"{name.lower()}@promo-mail.biz", f"@{name.lower()}", chatter.customers[0].region)
        for name in ("Deals4U", "CryptoK1ng", "FollowTrain", "GiftZone")
    ]
    drafts = []
    for _ in range(count):
        channel = rng.choice(_SPAM_CHANNELS)
        draft = chatter.review(rng.randrange(horizon - 3600), channel)
        draft.customer, draft.spam, draft.intent, draft.topic = rng.choice(bots), True, "spam", None
        draft.title, draft.body = compose_spam(rng)
        draft.rating = {"storefront": 5, "app_store": 5, "nps": 10}.get(channel)
        drafts.append(draft)
    return drafts


def resend(rng: random.Random, original: Draft) -> Draft:
    """The same customer sending the same review text again later, as a survey answer or a support ticket."""
    channel = "support" if original.intent == "negative" and rng.random() < 0.6 else "nps"
    created = original.created + rng.randrange(3600, 2 * DAY)
    delay = rng.randrange(60, 1800) if channel == "nps" else rng.randrange(3600, 6 * 3600)
    rating = rng.choice(_STARS_TO_NPS[original.rating or 3]) if channel == "nps" else None
    return Draft(
        created=created,
        received=created + delay,
        source=channel,
        customer=original.customer,
        intent=original.intent,
        topic=original.topic,
        sku=original.sku,
        region=original.region,
        warehouse=original.warehouse,
        carrier=original.carrier,
        quantity=original.quantity,
        has_order=True,
        rating=rating,
        title=original.title,
        body=original.body,
        copy_of=original,
    )
