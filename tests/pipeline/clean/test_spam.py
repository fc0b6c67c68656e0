"""Spam rules: solicitation, promotional links and noise are caught; complaints, however angry, are not."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

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
    # follower schemes, taking it to DMs, investment bots
    ("Follow for follow!! I always follow back @style_queen", "solicitation"),
    ("f4f l4l, new page, show some love", "solicitation"),
    ("Best deals on sneakers, link in bio 💸", "solicitation"),
    ("DM me for prices on bulk orders", "solicitation"),
    ("This trading bot paid off my car, ask me how", "solicitation"),
    ("Counterfeit-free replica handbags, shipped worldwide", "solicitation"),
    # calls to action and offers next to a foreign link or a contact
    ("Win a $500 gift card!! Click https://gift-card-winner.example.xyz/now", "promo_with_link"),
    ("Summer sale 70% off all sunglasses today only https://shades.example.shop/sale", "promo_with_link"),
    ("I earned $450 per day working part time, start here: https://jobs.example.top/start", "promo_with_link"),
    ("Stake ETH at 45% APY with us https://defi.example.xyz", "promo_with_link"),
    ("Forex mentor with 10 years of wins, email trader.joe@example.com", "promo_with_link"),
    # keyboard mash that still has vowels
    ("fjwoq bxunez kpaqd vyhetm ozqirw", "gibberish"),
    ("ukpfe zabqoj wivxeh mudlyq", "gibberish"),
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
    # offers, prices and contacts inside genuine complaints
    "Call me on (415) 555-0132, the promo code field doesn't work",
    "Feels cheap and thin. Email me at ann@example.com about a return",
    "Cheap zipper, see the photos https://photos.example.net/album/abc123",
    "I filed a claim with the carrier, photos at https://photos.example.net/claim/55",
    "Bought it at 30% off and it still wasn't worth it",
    "I make $15 an hour and this fell apart in a week",
    "Won't win any awards but it's a nice tee",
    "I had to follow back up with support twice before anyone answered",
    "@MapleAndCo please DM me, my order is 3 weeks late",
    # typos, sizing shorthand
    "say how mcuh i lvoe this tpo, so cmofy",
    "XXS petite fit, 5'2 110lbs, tts, pjs comfy, bc ootd lol tbh imo",
]

OTHER_LANGUAGES = [
    "Nie polecam, szczerze mowiac to zdjecie nie przypomina tego co przyszlo, wszystko pogniecione",
    "Nejsem spokojena, zbozi prislo pozde a vubec neodpovida popisu, chci vratit penize",
    "Kjolen var for liten, hjem igjen. Gjort, hvordan, kjempefin",
    "Het is een beetje te lang voor mij, maar de kwaliteit is prima. Wij zijn tevreden",
    "Rechtschreibprüfung, Fahrzeugzubehör und Flugzeug jetzt im Herbst",
    "Mekko on liian pieni, palautin sen. Kangas on ohutta ja läpinäkyvää",
    "Nagyon szép a ruha, de kicsi a méret, vissza kellett küldenem. Gyors szállítás",
    "Ao dep nhung hoi chat, giao hang nhanh, cam on shop nhieu",
    "Bajunya bagus tapi ukurannya kecil, saya kembalikan",
    "zhe jian yi fu zhi liang hen hao, xie xie",
]


@pytest.mark.parametrize(("text", "rule"), SPAM)
def test_spam_is_caught_with_its_rule(text: str, rule: str) -> None:
    reason = reason_for(text)
    assert reason is not None
    assert reason.split(":")[0] == rule


@pytest.mark.parametrize("text", COMPLAINTS)
def test_real_complaints_are_never_spam(text: str) -> None:
    assert reason_for(text) is None


@pytest.mark.parametrize("text", OTHER_LANGUAGES)
def test_reviews_in_other_latin_script_languages_are_not_keyboard_mash(text: str) -> None:
    assert reason_for(text) is None


def test_offer_words_inside_a_url_do_not_count() -> None:
    assert reason_for("Zipper broke on day one, photos: https://photos.example.net/click-to-win-prize/abc") is None


def test_a_contact_makes_only_strong_offers_spam() -> None:
    rules = SpamConfig(contact_promo_words=("promo code",))
    assert reason_for("Call me on (415) 555-0132, the promo code field doesn't work", rules=rules) is not None
    assert reason_for("Bitcoin tips, call (415) 555-0132", rules=rules) is None


def test_keyboard_mash_threshold_comes_from_config() -> None:
    assert reason_for("ukpfe zabqoj wivxeh mudlyq", rules=SpamConfig(gibberish_max_bigram_bits=-3.0)) is None


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


def test_no_real_review_is_spam(shared_csv: Path) -> None:
    rules = compile_spam_rules()
    event = ReviewEvent(
        review_id="csv:1", source="csv", channel=Channel.storefront, text="x", created_at=NOW, received_at=NOW
    )
    with shared_csv.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Review Text"].strip()]
    flagged = []
    for row in rows:
        title, text = (mask_pii(normalize_text(row[field]), PATTERNS)[0] for field in ("Title", "Review Text"))
        reason = spam_reason(event, f"{title} {text}" if title else text, rules)
        if reason is not None:
            flagged.append((row[""], reason))
    assert len(rows) > 20_000
    assert flagged == []
