"""Composes the demo stream's review texts, ratings, spam and PII from the phrase banks, with human noise."""

from __future__ import annotations

import random
import string

from lab.demo import phrases as ph
from lab.demo.catalog import Customer, Sku

__all__ = [
    "SERVICE_TOPICS",
    "compose_review",
    "compose_spam",
    "frame_complaint",
    "inject_pii",
    "near_duplicate",
    "nps_score_for",
    "stars_for",
    "stylize",
    "text_values",
]

SERVICE_TOPICS = frozenset(
    {
        "shipping_delivery.late",
        "shipping_delivery.lost_or_wrong",
        "packaging.damaged",
        "support_experience.unresponsive",
        "support_experience.returns_refunds",
        "pricing_value.overpriced",
    }
)


def text_values(rng: random.Random, sku: Sku | None, carrier: str | None) -> dict[str, str]:
    """Placeholder values for one review: the product, a color and size the customer chose, a small number."""
    shop = rng.choice(ph.SHOP_HANDLES)
    n = str(rng.choice((2, 3, 3, 4, 5, 6, 10)))
    if sku is None:
        return {"item": "order", "a_item": "an order", "name": "order", "color": "", "size": "", "n": n,
                "carrier": carrier or "the courier", "part": "", "price": "", "shop": shop}  # fmt: skip
    return {
        "item": sku.noun,
        "a_item": f"a pair of {sku.noun}" if sku.noun in _PLURAL_NOUNS else f"a {sku.noun}",
        "name": sku.name,
        "color": rng.choice(sku.colors),
        "size": rng.choice(sku.sizes) if sku.sizes else "",
        "n": n,
        "carrier": carrier or "the courier",
        "part": rng.choice(ph.DEFECT_PARTS[sku.kind]),
        "price": f"{sku.price:.0f}",
        "shop": shop,
    }


def stars_for(rng: random.Random, intent: str) -> int:
    """Star rating mostly consistent with the text; ~3% of complaints still give 5 stars."""
    r = rng.random()
    if intent == "positive":
        return 5 if r < 0.62 else 4
    if intent == "neutral":
        return 3 if r < 0.7 else 4 if r < 0.85 else 2
    return 1 if r < 0.48 else 2 if r < 0.86 else 3 if r < 0.97 else 5


def nps_score_for(rng: random.Random, intent: str) -> int:
    """A 0-10 survey score matching the comment's sentiment."""
    if intent == "positive":
        return rng.choice((8, 9, 9, 10, 10, 10))
    if intent == "neutral":
        return rng.choice((5, 6, 7, 7, 8))
    return rng.choice((0, 0, 1, 2, 2, 3, 4, 5, 6))


_KEEP_CAPITALIZED = ("I ", "I'", "UPS", "USPS", "FedEx", "DHL", "DPD", "GLS", "Evri", "Royal Mail", "PostN", "DANGER")
_PLURAL_NOUNS = frozenset({"jeans", "shoes", "earbuds"})


def _lower_first(text: str) -> str:
    """Lower the first letter when a sentence continues another; pronoun I, brands and acronyms keep theirs."""
    return text if text.startswith(_KEEP_CAPITALIZED) else text[:1].lower() + text[1:]


def _complaint_core(rng: random.Random, topic: str, sku: Sku | None, values: dict[str, str]) -> str:
    bank = ph.COMPLAINT[topic]
    options = bank.get(sku.group, bank.get("any")) if sku else bank.get("any")
    if not options:  # a product topic without a bank for this group: fall back to any group's phrasing
        options = next(iter(bank.values()))
    return rng.choice(options).format_map(values)


def frame_complaint(rng: random.Random, channel: str, core: str, title: str, values: dict[str, str]) -> tuple[str, str]:
    """Wrap a complaint sentence the way each channel's customers write: a ticket, a survey answer, a post."""
    if channel == "support":
        context = (
            rng.choice(ph.SUPPORT_CONTEXT) if values["item"] != "order" else rng.choice(("about my recent order: ", ""))
        )
        lead = rng.choice(ph.SUPPORT_GREETINGS) + context.format_map(values)
        body = (
            lead
            + (_lower_first(core) if lead else core)
            + rng.choice(ph.SUPPORT_ASKS)
            + rng.choice(ph.SUPPORT_SIGNOFFS)
        )
        return title, body.strip()
    if channel == "social":
        post = core if rng.random() < 0.5 else f"{values['shop']} {_lower_first(core)}"
        return "", post + rng.choice(ph.SOCIAL_HASHTAGS)
    if channel == "nps":
        return "", core if rng.random() < 0.7 else core + rng.choice(ph.NEG_CLOSERS)
    opener = rng.choice(ph.NEG_OPENERS).format_map(values) if values["item"] != "order" else ""
    continues = opener and opener.rstrip()[-1] not in ".!?:"
    body = opener + (_lower_first(core) if continues else core) + rng.choice(ph.NEG_CLOSERS)
    return title, body


def compose_review(
    rng: random.Random,
    channel: str,
    intent: str,
    topic: str | None,
    sku: Sku | None,
    values: dict[str, str],
    rating: int | None,
) -> tuple[str, str]:
    """Title and text of an everyday review; `topic` is the complaint (or a neutral text's mild remark) it carries."""
    if channel == "app_store":
        app_bank = (
            ph.APP_POSITIVE if intent == "positive" else ph.APP_NEUTRAL if intent == "neutral" else ph.APP_COMPLAINT
        )
        return "", rng.choice(app_bank)
    if intent == "negative" and topic:
        core = _complaint_core(rng, topic, sku, values)
        if rating == 5:
            core = rng.choice(ph.CONFLICT_PREFIXES) + _lower_first(core)
        title = rng.choice(ph.TOPIC_TITLES[topic]) if rng.random() < 0.8 else ""
        return frame_complaint(rng, channel, core, title, values)
    if channel == "support":
        pairs = ph.SUPPORT_THANKS if intent == "positive" else ph.SUPPORT_QUESTIONS
        subject, text = rng.choice(pairs)
        if sku is None:
            return subject, "Hi, how do I change the delivery address on my order?"
        return subject, rng.choice(ph.SUPPORT_GREETINGS) + _lower_first(text.format_map(values))
    if channel == "nps":
        bank: tuple[str, ...] = ph.NPS_POSITIVE if intent == "positive" else ph.NPS_NEUTRAL
        text = rng.choice(bank)
        if sku is None and "{" in text:
            text = "Good shop"
        if topic and intent == "neutral":
            text = rng.choice(ph.MILD[topic])
        return "", text.format_map(values)
    if channel == "social":
        if sku is None:
            return "", f"{values['shop']} " + rng.choice(
                ("love you guys", "great service as always", "when is the next sale?")
            )
        posts = ph.SOCIAL_POSITIVE if intent == "positive" else ph.SOCIAL_NEUTRAL
        return "", rng.choice(posts).format_map(values)
    return _storefront_text(rng, intent, topic, sku, values)


def _storefront_text(
    rng: random.Random, intent: str, topic: str | None, sku: Sku | None, values: dict[str, str]
) -> tuple[str, str]:
    group = sku.group if sku else "apparel"
    if intent == "positive":
        parts = [rng.choice(ph.POS_OPENERS), rng.choice(ph.POSITIVE[group])]
        if rng.random() < 0.45:
            parts.append(" " + rng.choice(ph.POSITIVE[group] + ph.POSITIVE_ANY))
        parts.append(rng.choice(ph.POS_CLOSERS))
        if parts[0] and parts[0].rstrip()[-1] not in ".!?:":
            parts[1] = _lower_first(parts[1])
        title = rng.choice(ph.POS_TITLES) if rng.random() < 0.8 else ""
    else:
        parts = [rng.choice(ph.NEUTRAL[group] + ph.NEUTRAL_ANY)]
        if topic:
            parts.append(" " + rng.choice(ph.MILD[topic]))
        title = rng.choice(ph.NEUTRAL_TITLES) if rng.random() < 0.7 else ""
    return title.format_map(values), "".join(parts).format_map(values)


def stylize(rng: random.Random, text: str) -> str:
    """Human noise: some texts all lowercase or unpunctuated, a typo now and then, the odd '!!!'."""
    r = rng.random()
    if rng.random() < 0.09:
        text = _typo(rng, text)
    if r < 0.07:
        text = text.lower()
    elif r < 0.13:
        text = text.rstrip(".!")
    if rng.random() < 0.03:
        text = text.replace("!", "!!!")
    return text


def _typo(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        wrong = ph.MISSPELLINGS.get(word.lower())
        if wrong:
            words[i] = wrong
            return " ".join(words)
    long_words = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha() and w.islower()]  # spare brand names
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


_NEAR_SWAPS = {
    "two": "three", "three": "two", "days": "weeks", "jacket": "coat", "broke": "snapped", "really": "so",
    "completely": "totally", "hot": "warm", "still": "STILL", "my": "the", "not": "NOT", "first": "second",
    "package": "parcel", "forever": "ages", "tight": "snug", "crushed": "squashed", "Disappointed": "Gutted",
}  # fmt: skip


def near_duplicate(rng: random.Random, text: str) -> str:
    """The same complaint pasted by another customer with one or two words changed."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.strip(".,!?") in _NEAR_SWAPS]
    rng.shuffle(candidates)
    changed = 0
    for i in candidates[: rng.choice((1, 2))]:
        word = words[i]
        core = word.strip(".,!?")
        words[i] = word.replace(core, _NEAR_SWAPS[core])
        changed += 1
    if not changed:
        words.insert(0, rng.choice(("Same:", "Seriously,", "Update:")))
    mutated = " ".join(words)
    return mutated if mutated != text else text + " Again."


_SPAM = (
    "🔥 50% OFF designer bags today only 🔥 {url}", "Make $5000 a week from home!! DM me 💰 {url}",
    "Bitcoin giveaway 🚀 send 0.1 BTC get 1 BTC back {url}", "follow me for follow back!! {handle} {handle2}",
    "check my profile for FREE gift cards 🎁🎁🎁", "Best replica watches cheap prices {url}",
    "Earn crypto passively with DOGE staking 300% APY, link in bio", "Win an iPhone 17!!! click {url}",
    "cheap followers and likes fast delivery {url}", "I made $870 today with this trading bot 👉 {url}",
)  # fmt: skip
_URLS = ("bit.ly/3xF9aQz", "http://cheap-deals.shop/promo", "https://t.me/cryptoking_signals", "www.lux-replica.top",
         "https://tinyurl.com/freegift88", "http://win-prize.click/claim")  # fmt: skip


def compose_spam(rng: random.Random) -> tuple[str, str]:
    """Title and text of a spam post: promo links, crypto, follow-me, or keyboard-mash gibberish."""
    if rng.random() < 0.2:
        letters = string.ascii_lowercase
        words = ["".join(rng.choice(letters) for _ in range(rng.randrange(3, 9))) for _ in range(rng.randrange(4, 12))]
        return "", " ".join(words)
    handles = ("@deals4u", "@crypto_k1ng", "@followtrain99", "@giftzone")
    text = rng.choice(_SPAM).format(url=rng.choice(_URLS), handle=rng.choice(handles), handle2=rng.choice(handles))
    return rng.choice(("Great!!!", "Check this", "", "WOW", "")), text


# kind -> (any review, complaints only)
_PII_SENTENCES = {
    "email": (("Email me at {v}.", "my email is {v} if you need it.", "Contact: {v}"),
              ("You can reach me on {v}", "Please reply to {v}, nobody answers.")),
    "phone": (("My number is {v}", "Phone {v}"), ("Call me on {v}.", "text me at {v} please.")),
    "card_number": (("card used: {v}", "Paid with {v}."),
                    ("I paid with my card {v} and got charged twice.", "The charge on card {v} still shows.")),
    "street_address": (("My address is {v}.", "Delivered to {v}."),
                       ("Please send the replacement to {v}.", "It was supposed to go to {v}.")),
    "order_number": (("Order number {v}.", "(order {v})", "Ref: {v}"), ("My order {v}", "Order {v} is a mess.")),
}  # fmt: skip
_ADDRESSES = {
    "US": ("1423 Maple Ave, Springfield, OR 97477", "88 W 21st St Apt 4B, New York, NY 10010",
           "2210 Elm Street, Austin, TX 78705"),
    "GB": ("22 Baker Street, London NW1 6XE", "Flat 3, 14 Church Lane, Leeds LS2 7EW"),
    "EU": ("Storgatan 14, 114 55 Stockholm", "Keizersgracht 221, 1016 DV Amsterdam", "Hauptstraße 5, 04109 Leipzig"),
}  # fmt: skip


def _luhn_card(rng: random.Random) -> str:
    digits = [4] if rng.random() < 0.6 else [5, rng.randrange(1, 6)]
    while len(digits) < 15:
        digits.append(rng.randrange(10))
    total = 0
    for i, d in enumerate(reversed(digits)):  # the check digit will sit right of these, so double the even offsets
        total += (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d
    digits.append((10 - total % 10) % 10)
    raw = "".join(map(str, digits))
    sep = rng.choice((" ", "-", ""))
    return sep.join(raw[i : i + 4] for i in range(0, 16, 4))


def _phone(rng: random.Random, territory: str) -> str:
    tail = f"{rng.randrange(100, 200):03d}"[1:]
    if territory == "US":
        area = rng.choice(("415", "212", "312", "617", "503"))
        return rng.choice(
            (f"({area}) 555-01{tail}", f"{area}-555-01{tail}", f"+1 {area} 555 01{tail}", f"{area}.555.01{tail}")
        )
    if territory == "GB":
        return rng.choice((f"+44 7700 900{rng.randrange(100, 999)}", f"07700 900{rng.randrange(100, 999)}"))
    return rng.choice(
        (f"+46 70 123 45 {tail}", f"+49 151 2345{rng.randrange(1000, 9999)}", f"+31 6 1234{rng.randrange(1000, 9999)}")
    )


def inject_pii(
    rng: random.Random, text: str, customer: Customer, order_id: str | None, complaint: bool
) -> tuple[str, list[tuple[str, str]]]:
    """Add one or two sentences with personal data to `text`; returns the new text and each (kind, exact string)."""
    territory = customer.region.territories[0]
    territory = territory if territory in ("US", "GB") else "EU"
    kinds = ["email", "phone", "card_number", "street_address", "order_number"]
    chosen = rng.sample(kinds, 2 if rng.random() < 0.2 else 1)
    found: list[tuple[str, str]] = []
    for kind in chosen:
        if kind == "email":
            value = customer.email
        elif kind == "phone":
            value = _phone(rng, territory)
        elif kind == "card_number":
            value = _luhn_card(rng)
        elif kind == "street_address":
            value = rng.choice(_ADDRESSES[territory])
        else:
            value = order_id or f"ORD-{rng.randrange(100_000, 999_999)}"
        neutral, negative = _PII_SENTENCES[kind]
        sentence = rng.choice(neutral + negative if complaint else neutral).format(v=value)
        if rng.random() < 0.3:
            text = f"{sentence} {text}"
        else:
            text = text.rstrip()
            text += (". " if text[-1:].isalnum() and rng.random() < 0.5 else " ") + sentence
        found.append((kind, value))
    return text, found
