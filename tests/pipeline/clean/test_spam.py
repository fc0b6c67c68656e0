"""Spam rules: solicitation, promotional links and noise are caught; complaints, however angry, are not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.clean import (
    SPAM_RULE_NAMES,
    SpamConfig,
    compile_pii_patterns,
    compile_spam_rules,
    mask_pii,
    normalize_text,
    spam_reason,
)
from store.schemas import Channel, ReviewEvent

NOW = datetime(2026, 11, 3, tzinfo=UTC)
PATTERNS = compile_pii_patterns()


def reason_for(text: str, channel: Channel = Channel.storefront, rules: SpamConfig | None = None) -> str | None:
    """Spam reason as the cleaner computes it: on normalized, PII-masked text."""
    event = ReviewEvent(
        review_id="r:1", source=channel.value, channel=channel, text=text, created_at=NOW, received_at=NOW
    )
    masked, _ = mask_pii(normalize_text(text), PATTERNS)
    return spam_reason(event, masked, compile_spam_rules(rules))


SPAM = [
    ("Buy followers cheap, 10k for $5", "solicitation"),
    ("WhatsApp me at +1 415 555 0132 for wholesale prices on these bags", "solicitation"),
    ("Amazing returns!!! crypto investment, DM me on telegram @richguy", "solicitation"),
    ("Use my promo code SAVE50 for 50% off everything", "solicitation"),
    ("Visit my site for more fashion tips and deals", "solicitation"),
    ("Earn money online from home, ask me how", "solicitation"),
    ("Get the best price on designer bags at https://bags-outlet.example.xyz/sale today", "promo_with_link"),
    ("Bitcoin doubler, send 0.1 get 0.2 back, email me at rich.guy@example.com", "promo_with_link"),
    ("Click here http://bit.ly/3xYzAb for a free gift", "promo_with_link"),
    ("Love it www.mystore-deals.shop", "short_text_with_link"),
    ("nice https://t.co/AbCdEf", "short_text_with_link"),
    ("THIS IS THE BEST STORE EVER GO TO WWW.DEALS4U.EXAMPLE NOW AND SAVE", "shouting_with_link"),
    ("cheap shoes cheap shoes best cheap shoes buy cheap shoes cheap shoes sale cheap shoes", "keyword_stuffing"),
    ("dress dress dress dress dress dress dress dress dress dress dress dress", "keyword_stuffing"),
    ("asdkjh qwrtpz xcvbnm sdfghj kjhgfd", "gibberish"),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "gibberish"),
    ("hahahahahahahahahahaha", "gibberish"),
]

COMPLAINTS = [
    "THE ZIPPER BROKE AFTER ONE DAY!!! ABSOLUTELY UNACCEPTABLE, I WANT MY MONEY BACK",
    "WHERE IS MY ORDER??? I HAVE EMAILED 5 TIMES AND CALLED TWICE. UNACCEPTABLE!!!",
    "NEVER ORDERING AGAIN. Package arrived 3 weeks late and the box was crushed.",
    "Worst purchase ever. The seams ripped the first time I wore it and customer service never replied.",
    "My promo code didn't work at checkout and support just sent me a canned reply.",
    "The coupon wasn't applied, I was charged full price. This is a scam!!!",
    "Tracking says delivered but nothing here: https://www.ups.com/track?tracknum=1Z999AA10123456784",
    "Ugh!!! The strap snapped. Sent photos: https://imgur.com/a/xYz123",
    "Product is garbage, see https://photos.example.net/album/abc123 for proof of the rip",
    "It's cheaper on amazon.com and the quality is worse. Overpriced.",
    "Called (415) 555-0132 three times, no answer. Please call me back about my refund.",
    "Email me at ann@example.com about my refund, the order never arrived",
    "Fabric pills after one wash, zipper broke, seams ripped, buttons fell off, total junk, junk, junk!",
    "Sooooo disappointed!!!!!!! The color is nothing like the photo",
    "no no no no. this dress is see-through and cheap looking",
    "Runs small. Size up.",
    "Too small",
    "Hmm",
    "Brrrr, this jacket is not warm at all, I was freezing the whole time",
    "Love love love love this dress",
    "La cremallera se rompió el primer día y nadie responde",
    "Der Stoff ist dünn und kratzt. Nie wieder!",
    "Sizing is off: I'm 5'4\" 130 lbs 34DD and the S was tight, the M huge. XS/S/M/L chart is wrong.",
    "I paid $129.99 for this?! Falling apart after 2 washes. Want a refund NOW.",
]


@pytest.mark.parametrize(("text", "rule"), SPAM)
def test_spam_is_caught_with_its_rule(text: str, rule: str) -> None:
    reason = reason_for(text)
    assert reason is not None
    assert reason.split(":")[0] == rule


@pytest.mark.parametrize("text", COMPLAINTS)
def test_real_complaints_are_never_spam(text: str) -> None:
    assert reason_for(text) is None


def test_every_reason_starts_with_a_rule_name() -> None:
    reasons = {reason_for(text) for text, _ in SPAM}
    assert {str(reason).split(":")[0] for reason in reasons} <= set(SPAM_RULE_NAMES)


def test_support_tickets_may_paste_a_bare_link() -> None:
    assert reason_for("see https://t.co/AbCdEf", channel=Channel.support) is None
    assert reason_for("see https://t.co/AbCdEf", channel=Channel.storefront) == "short_text_with_link"


def test_phrase_lists_come_from_config() -> None:
    rules = SpamConfig(solicitation_phrases=("join my raffle",))
    assert reason_for("Join my   raffle for a prize", rules=rules) == "solicitation: 'join my raffle'"
    assert reason_for("Buy followers cheap", rules=rules) is None


def test_links_to_allowed_domains_do_not_count() -> None:
    rules = SpamConfig(allowed_link_domains=("mystore-deals.shop",))
    assert reason_for("Love it www.mystore-deals.shop", rules=rules) is None
