"""PII masking: generated realistic PII never survives cleaning; sizes, prices, dates and SKUs stay as written."""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.clean import Cleaner, PiiConfig, compile_pii_patterns, mask_pii
from store.schemas import Channel, ReviewEvent

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
PATTERNS = compile_pii_patterns()


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit to `digits`."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return digits + str((10 - total % 10) % 10)


def random_digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def fake_email(rng: random.Random) -> str:
    local = rng.choice(["ann", "bob.smith", "j_doe", "maria.garcia", "li.wei", "ann+orders", "KEVIN.O"])
    domain = rng.choice(["example.com", "mail.example.co.uk", "gmail.com", "shop-mail.de", "outlook.fr"])
    return f"{local}{rng.choice(['', str(rng.randint(1, 999))])}@{domain}"


def fake_phone(rng: random.Random) -> str:
    area, exchange, line = rng.randint(201, 989), rng.randint(200, 999), random_digits(rng, 4)
    formats = [
        f"({area}) {exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area}-{exchange}-{line}",
        f"{area} {exchange} {line}",
        f"+1 {area} {exchange} {line}",
        f"+1 ({area}) {exchange}-{line}",
        f"1-{area}-{exchange}-{line}",
        f"{area}{exchange}{line}",
        f"+44 20 {random_digits(rng, 4)} {random_digits(rng, 4)}",
        f"+44 7700 {random_digits(rng, 6)}",
        f"020 {random_digits(rng, 4)} {random_digits(rng, 4)}",
        f"07700 {random_digits(rng, 6)}",
        f"+49 30 {random_digits(rng, 8)}",
        f"+49 151 {random_digits(rng, 4)} {random_digits(rng, 4)}",
        f"+33 1 {' '.join(random_digits(rng, 2) for _ in range(4))}",
        f"+33 6.{'.'.join(random_digits(rng, 2) for _ in range(4))}",
        f"+34 {random_digits(rng, 3)} {random_digits(rng, 3)} {random_digits(rng, 3)}",
        f"+{rng.randint(30, 49)}{random_digits(rng, 10)}",
    ]
    return rng.choice(formats)


def fake_card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("6011", 16), ("34", 15), ("37", 15)])
    number = luhn_complete(prefix + random_digits(rng, length - len(prefix) - 1))
    if length == 15:
        return rng.choice([number, f"{number[:4]} {number[4:10]} {number[10:]}"])
    groups = [number[index : index + 4] for index in range(0, 16, 4)]
    return rng.choice([number, " ".join(groups), "-".join(groups)])


def fake_us_address(rng: random.Random) -> str:
    number = rng.choice([str(rng.randint(1, 99)), str(rng.randint(100, 9999)), str(rng.randint(10000, 99999))])
    direction = rng.choice(["", "N ", "S. ", "West ", "NE "])
    street = rng.choice(["Main", "Elm", "Oak", "Maple", "Cedar Hill", "Martin Luther King", "5th", "42nd", "Sunset"])
    suffix = rng.choice(["St", "St.", "Street", "Ave", "Avenue", "Rd", "Road", "Blvd", "Dr", "Drive", "Lane", "Ct"])
    unit = rng.choice(["", " Apt 4B", ", Apt. 12", " Suite 300", " Unit 7", " #5"])
    city = rng.choice(["", ", Springfield, IL 62704", ", Austin, TX 78701-1234", ", Portland OR"])
    return f"{number} {direction}{street} {suffix}{unit}{city}"


def fake_uk_address(rng: random.Random) -> str:
    flat = rng.choice(["", f"Flat {rng.randint(1, 40)}, "])
    name, suffix = rng.choice(["Baker", "Church", "Mill", "Queens"]), rng.choice(["Street", "Lane", "Road"])
    street = f"{rng.randint(1, 250)} {name} {suffix}"
    postcode = (
        f"{rng.choice(['NW', 'LS', 'M', 'EC'])}{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice(['XE', 'EW', 'AB'])}"
    )
    return f"{flat}{street}, {rng.choice(['London', 'Leeds', 'Manchester'])} {postcode}"


def fake_european_address(rng: random.Random) -> str:
    """Street name first (German, Dutch, Nordic) or a Romance street word, house number, postal code and city."""
    number = rng.choice([str(rng.randint(1, 9)), str(rng.randint(10, 400)), f"{rng.randint(1, 99)}a"])
    postal_city = rng.choice(
        [
            "",
            f", {rng.randint(10000, 99999)} {rng.choice(['Leipzig', 'München', 'Frankfurt am Main'])}",
            f", {rng.randint(1000, 9999)} {rng.choice(['DV', 'AB'])} {rng.choice(['Amsterdam', 'Den Haag'])}",
            f", {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.choice(['Stockholm', 'Malmö'])}",
            f", {rng.randint(1000, 9999)}-{rng.randint(100, 999)} Lisboa",
        ]
    )
    name = rng.choice(["Haupt", "Keizers", "Stor", "Linden", "Kirch", "Bahnhof", "Prinsen", "Drottning"])
    suffix = rng.choice(["straße", "strasse", "str.", "gasse", "weg", "platz", "allee", "gracht", "laan", "gatan"])
    street_word = rng.choice(["Via", "via", "Calle", "Rua", "Avenida"])
    romance = f"{street_word} {rng.choice(['Roma', 'Mayor', 'de Alcalá', 'da Liberdade'])}"
    street = rng.choice(
        [
            f"{name}{suffix} {number}",
            f"Berliner {rng.choice(['Straße', 'Str.', 'Allee'])} {number}",
            f"{romance}{rng.choice([' ', ', '])}{number}",
            f"{number} rue {rng.choice(['de Rivoli', 'du Faubourg Saint-Honoré', 'Lafayette'])}",
        ]
    )
    return street + postal_city


def fake_address(rng: random.Random) -> str:
    return rng.choice([fake_us_address, fake_uk_address, fake_european_address])(rng)


def fake_order(rng: random.Random) -> str:
    number = random_digits(rng, rng.randint(5, 10))
    return rng.choice([f"ORD-{number}", f"ord {number}", f"order #{number}", f"Order number: {number}", f"#{number}"])


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "email": fake_email,
    "phone": fake_phone,
    "card": fake_card,
    "address": fake_address,
    "order": fake_order,
}
SENTENCES = [
    "Please contact me at {pii} about the broken zipper.",
    "The dress fell apart, reach me at {pii} asap",
    "I was charged twice on {pii} and nobody answers!!",
    "The package for {pii} never arrived.",
    "Shipped to {pii} but it never showed up, so disappointed.",
    "{pii} is where you can find me. The seams ripped after one wear.",
    "Refund to {pii}. The color is nothing like the photo",
    "Runs small (reference {pii}), had to return it",
]


def digit_runs(text: str, minimum: int = 7) -> list[str]:
    return [run for run in re.findall(r"\d+", text) if len(run) >= minimum]


def generated_cases(kind: str, count: int = 90) -> list[tuple[str, str, str]]:
    """(pii, title, text) triples with the PII in the text and another one in the title."""
    rng = random.Random(f"pii-{kind}")
    cases = []
    for _ in range(count):
        pii, title_pii = GENERATORS[kind](rng), GENERATORS[kind](rng)
        cases.append((pii, f"Call {title_pii}" if kind == "phone" else f"About {title_pii}", rng.choice(SENTENCES)))
    return cases


def event(review_id: str, title: str, text: str) -> ReviewEvent:
    return ReviewEvent(
        review_id=review_id,
        source="storefront",
        channel=Channel.storefront,
        sku="JKT-0042",
        title=title,
        text=text,
        created_at=NOW,
        received_at=NOW,
    )


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_generated_pii_never_survives_cleaning(kind: str) -> None:
    cases = generated_cases(kind)
    events = [event(f"storefront:{n}", title, text.format(pii=pii)) for n, (pii, title, text) in enumerate(cases)]
    cleaned = Cleaner().clean_batch(events, NOW)
    for (pii, title, _), review in zip(cases, cleaned, strict=True):
        title_pii = title.split(" ", 1)[1]
        for injected in (pii, title_pii):
            for field in (review.title, review.text):
                assert injected not in field
                digits_left = re.sub(r"\D", "", field)
                for run in digit_runs(injected) + digit_runs(re.sub(r"\D", "", injected)):
                    assert run not in digits_left, f"{injected!r} left {run} in {field!r}"
        assert kind in review.pii_kinds
        assert f"[{kind.upper()}]" in review.text


def test_masked_kinds_are_reported_once_in_detection_order() -> None:
    text = "Mail ann@example.com or bob@example.org, call (415) 555-0132, order ORD-778812"
    masked, kinds = mask_pii(text, PATTERNS)
    assert masked == "Mail [EMAIL] or [EMAIL], call [PHONE], order [ORDER]"
    assert kinds == ["email", "order", "phone"]


@pytest.mark.parametrize(
    "card",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "3782 822463 10005", "5555555555554444"],
)
def test_card_number_with_valid_luhn_is_masked(card: str) -> None:
    assert mask_pii(f"charged on {card} twice", PATTERNS) == ("charged on [CARD] twice", ["card"])


def test_card_followed_by_another_number_is_still_masked() -> None:
    masked, _ = mask_pii("card 4111 1111 1111 1111 20 times", PATTERNS)
    assert masked == "card [CARD] 20 times"


@pytest.mark.parametrize("number", ["4111 1111 1111 1112", "1234 5678 9012 3456", "SKU-4111111111111112"])
def test_luhn_invalid_long_numbers_are_not_cards(number: str) -> None:
    assert mask_pii(f"style {number} is the black one", PATTERNS)[1] == []


def test_iban_with_valid_checksum_is_masked() -> None:
    masked, kinds = mask_pii("refund to GB82 WEST 1234 5698 7654 32 or DE89370400440532013000 please", PATTERNS)
    assert masked == "refund to [IBAN] or [IBAN] please"
    assert kinds == ["iban"]


def test_iban_masking_can_be_switched_off() -> None:
    patterns = compile_pii_patterns(PiiConfig(mask_iban=False))
    assert mask_pii("refund to DE89370400440532013000", patterns)[1] == []


def test_order_number_patterns_come_from_config() -> None:
    patterns = compile_pii_patterns(PiiConfig(order_number_patterns=(r"\bINV-\d{4}\b",)))
    assert mask_pii("invoice inv-2026 and ORD-778812", patterns) == ("invoice [ORDER] and ORD-778812", ["order"])


@pytest.mark.parametrize(
    "text",
    [
        "I'm 5'8\" and 135 lbs, the 34DD fit perfectly",
        "I'm 5'4, 120 lbs, 34b, usually a 2 or 4, got the 0P",
        "Ordered a size 12, took 2 weeks to arrive",
        "Paid $129.99 on 11/02/2026 and it was worth it",
        "Bought 2 for $49.99 each, 20% off, delivered 2026-11-02 at 10:30",
        "Delivered 02.11.2026, three days late",
        "Measurements 36-28-38, waist 28-30 inches, inseam 32",
        "SKU JKT-0042 runs small, style 4111 1111 1111 1112 too",
        "Item #1234 was out of stock",
        "100% cotton, 3/4 sleeves, size 00P, 26.5 inch length",
        "Model is 5 ft 9 in wearing size 4. Version 5.2.1 of the app crashes",
        "Wore It 2 Weeks On The Road",
        "Order 1 Size Up Way Too Big",
        "Love it, 5 Stars, The 2 Dr Martens pairs fit too",
        "I returned 3 items to the store on Main Street",
        "Rated 10/10, would buy 2 more; 1 star off for shipping",
        "Shipped via FedEx 2 days late",
        "Came via Amazon 2-3 business days after the date",
        "Found it via Instagram 10/10 would buy again",
        "Via Nordstrom 5 weeks ago, still no refund",
        "Bought the same top at Rue 21 for less",
        "I ordered 2 place settings and got 1",
        "Norwegian 5 stars, the wool is lovely",
        "The Renegade 2 is my favourite sneaker",
        "Place 2 orders and you get free shipping",
        "January 3, 2011 I purchased these, OCTOBER 03, 2012 Bought more",
    ],
)
def test_sizes_prices_dates_and_skus_stay_unmasked(text: str) -> None:
    assert mask_pii(text, PATTERNS) == (text, [])


def test_text_without_digits_or_at_sign_is_returned_untouched() -> None:
    text = "The zipper broke on day two and support never replied."
    assert mask_pii(text, PATTERNS) == (text, [])


def test_order_patterns_without_digits_run_when_min_digits_is_zero() -> None:
    patterns = compile_pii_patterns(PiiConfig(order_number_patterns=(r"\bREF-[A-Z]{6}\b",), order_number_min_digits=0))
    assert mask_pii("my ref-ABCDEF order", patterns) == ("my [ORDER] order", ["order"])


@pytest.mark.parametrize(
    "address",
    [
        "1234 N Main St",
        "55 Elm Avenue Apt 4B",
        "9 W 42nd Street, Springfield, IL 62704",
        "P.O. Box 1234",
        "12 oak ave",
        "22 Baker Street, London NW1 6XE",
        "Flat 3, 14 Church Lane, Leeds LS2 7EW",
        "1600 Pennsylvania Ave NW, Washington, DC 20500",
        "Flat 2B, 7 Station Road, Bristol BS1 4DJ",
    ],
)
def test_street_addresses_are_masked(address: str) -> None:
    assert mask_pii(f"ship it to {address} please", PATTERNS) == ("ship it to [ADDRESS] please", ["address"])


@pytest.mark.parametrize(
    "address",
    [
        "Hauptstraße 5, 04109 Leipzig",
        "Keizersgracht 221, 1016 DV Amsterdam",
        "Storgatan 14, 114 55 Stockholm",
        "Berliner Str. 12",
        "Hauptstr. 5a, D-10115 Berlin",
        "BAHNHOFSTRASSE 7",
        "Mariahilfer Straße 88, 1070 Wien",
        "Lange Laan 10, 2000 Antwerpen",
        "Kungsvägen 3",
        "Via Roma 12, 00184 Roma",
        "via Giuseppe Garibaldi 7",
        "Calle de Alcalá, 45, 28014 Madrid",
        "Rua Augusta 100, 1100-053 Lisboa",
        "Avenida da Liberdade 110",
        "Avenue Louise 54, 1050 Bruxelles",
        "12 rue de Rivoli, 75001 Paris",
        "3 bis rue Lepic",
        "C/ Mayor 5, 28013 Madrid",
        "Av. da Liberdade 110, 1250-146 Lisboa",
        "Unter den Linden 77, 10117 Berlin",
        "Am Markt 3, 04109 Leipzig",
        "Damrak 1, 1012 LG Amsterdam",
    ],
)
def test_european_street_addresses_are_masked_with_postal_code_and_city(address: str) -> None:
    assert mask_pii(f"Delivered to {address}. Thanks", PATTERNS) == ("Delivered to [ADDRESS]. Thanks", ["address"])


def test_european_street_words_come_from_config() -> None:
    patterns = compile_pii_patterns(PiiConfig(street_name_suffixes=("gade",), street_type_words=("rambla",)))
    assert mask_pii("to Vesterbrogade 12, 1620 København", patterns) == ("to [ADDRESS]", ["address"])
    assert mask_pii("to Rambla de Catalunya 20", patterns) == ("to [ADDRESS]", ["address"])
    assert mask_pii("to Hauptstraße 5", patterns) == ("to Hauptstraße 5", [])


def test_no_real_review_is_masked(shared_csv: Path) -> None:
    with shared_csv.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Review Text"].strip()]
    masked = [
        (row[""], kinds)
        for row in rows
        for field in ("Title", "Review Text")
        if (kinds := mask_pii(row[field], PATTERNS)[1])
    ]
    assert len(rows) > 20_000
    assert masked == []
