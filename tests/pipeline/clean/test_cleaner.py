"""The cleaning stage end to end: PII first, then language, spam, exact and near duplicates, across batches."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.clean import Cleaner, CleaningConfig
from store.schemas import Channel, CleanedReview, ReviewEvent, ReviewStatus

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
COMPLAINT = (
    "I ordered the quilted winter jacket in medium for my daughter and the zipper broke the second time she "
    "wore it. The pull came off in her hand and the teeth split apart at the bottom, so the jacket cannot be "
    "closed at all. I emailed customer service twice and waited over a week without any reply. Please fix "
    "this or refund me."
)


def event(review_id: str, text: str, **fields: Any) -> ReviewEvent:
    source = review_id.split(":")[0]
    channels = {"csv": Channel.csv, "nps": Channel.survey}
    defaults: dict[str, Any] = {
        "source": source,
        "channel": channels.get(source) or Channel(source),
        "sku": "JKT-0042",
        "customer_id": "C-1",
        "created_at": NOW - timedelta(days=1),
        "received_at": NOW - timedelta(hours=1),
    }
    return ReviewEvent(review_id=review_id, text=text, **(defaults | fields))


def clean_one(cleaner: Cleaner, review: ReviewEvent) -> CleanedReview:
    return cleaner.clean_batch([review], NOW)[0]


def silver_rows(reviews: list[CleanedReview]) -> list[tuple[str, str, str]]:
    return [(r.review_id, r.dedup_key, r.text) for r in reviews if r.status is not ReviewStatus.spam]


def test_a_clean_review_keeps_its_fields_and_gets_stamped() -> None:
    review = event(
        "storefront:R-1",
        "<p>The zipper broke on day two &amp; nobody replies.</p>",
        title="Zipper  broke",
        customer_id="C-1",
        order_id="ORD-778812",
        rating=2,
        region="US-West",
        warehouse="WH-RENO",
        supplier="SUP-07",
        category="Jackets",
        order_value=129.0,
    )
    cleaned = clean_one(Cleaner(), review)
    assert cleaned.model_dump(exclude={"dedup_key"}) == {
        "review_id": "storefront:R-1",
        "source": "storefront",
        "channel": Channel.storefront,
        "customer_id": "C-1",
        "order_id": "ORD-778812",
        "sku": "JKT-0042",
        "category": "Jackets",
        "rating": 2,
        "title": "Zipper broke",
        "text": "The zipper broke on day two & nobody replies.",
        "language": "en",
        "created_at": review.created_at,
        "received_at": review.received_at,
        "cleaned_at": NOW,
        "region": "US-West",
        "warehouse": "WH-RENO",
        "supplier": "SUP-07",
        "order_value": 129.0,
        "status": ReviewStatus.clean,
        "duplicate_of": None,
        "near_duplicate_of": None,
        "spam_reason": None,
        "pii_kinds": [],
    }


def test_pii_is_masked_in_title_and_text() -> None:
    review = event(
        "support:1",
        "Order ORD-778812 never came. Call me on (415) 555-0132 or mail ann@example.com.",
        title="ann@example.com: card 4111 1111 1111 1111 charged",
    )
    cleaned = clean_one(Cleaner(), review)
    assert cleaned.title == "[EMAIL]: card [CARD] charged"
    assert cleaned.text == "Order [ORDER] never came. Call me on [PHONE] or mail [EMAIL]."
    assert cleaned.pii_kinds == ["email", "card", "order", "phone"]


def test_dedup_reads_masked_text_so_reviews_differing_only_in_pii_collide() -> None:
    cleaner = Cleaner()
    first, second = cleaner.clean_batch(
        [
            event("storefront:1", "Never arrived, write to ann@example.com", customer_id="C-1"),
            event("csv:2", "Never arrived, write to ann.smith@example.org", customer_id="C-1"),
        ],
        NOW,
    )
    assert first.dedup_key == second.dedup_key
    assert second.status is ReviewStatus.duplicate


def test_same_review_through_two_channels_is_a_duplicate_of_the_first() -> None:
    cleaner = Cleaner()
    webhook = event("storefront:R-100234", "The zipper broke on day two.", title="Zipper broke", customer_id="C-7")
    (first,) = cleaner.clean_batch([webhook], NOW)
    export = event("csv:row-17", "the zipper broke on day two", title="", customer_id="C-7")
    (second,) = cleaner.clean_batch([export], NOW + timedelta(hours=1))
    assert first.status is ReviewStatus.clean
    assert second.status is ReviewStatus.duplicate
    assert second.duplicate_of == "storefront:R-100234"


def test_support_ticket_and_nps_answer_with_the_same_text_are_duplicates_within_a_batch() -> None:
    ticket = event(
        "support:88231", "My charger overheated and melted the plug.", title="Charger got hot", customer_id="C-3"
    )
    survey = event("nps:nps-5521", "My charger overheated and melted the plug", customer_id="C-3")
    first, second = Cleaner().clean_batch([ticket, survey], NOW)
    assert (first.status, second.status) == (ReviewStatus.clean, ReviewStatus.duplicate)
    assert second.duplicate_of == "support:88231"


def test_same_text_on_another_sku_is_not_a_duplicate() -> None:
    first, second = Cleaner().clean_batch(
        [event("storefront:1", "Runs small, size up."), event("storefront:2", "Runs small, size up.", sku="DRS-1")],
        NOW,
    )
    assert first.dedup_key != second.dedup_key
    assert second.status is ReviewStatus.clean


def test_same_short_text_from_two_customers_on_one_sku_is_two_signals() -> None:
    first, second = Cleaner().clean_batch(
        [
            event("storefront:1", "Runs small.", customer_id="C-1"),
            event("storefront:2", "Runs small.", customer_id="C-2"),
        ],
        NOW,
    )
    assert first.dedup_key != second.dedup_key
    assert (second.status, second.duplicate_of, second.near_duplicate_of) == (ReviewStatus.clean, None, None)


def test_same_long_text_from_another_customer_is_a_near_duplicate_not_a_duplicate() -> None:
    first, second = Cleaner().clean_batch(
        [event("storefront:1", COMPLAINT, customer_id="C-1"), event("storefront:2", COMPLAINT, customer_id="C-2")],
        NOW,
    )
    assert first.status is ReviewStatus.clean
    assert (second.status, second.duplicate_of) == (ReviewStatus.clean, None)
    assert second.near_duplicate_of == "storefront:1"


def test_same_customer_resending_the_same_short_text_is_a_duplicate() -> None:
    _, second = Cleaner().clean_batch(
        [event("storefront:1", "Runs small.", customer_id="C-1"), event("nps:2", "runs small", customer_id="C-1")],
        NOW,
    )
    assert (second.status, second.duplicate_of) == (ReviewStatus.duplicate, "storefront:1")


def test_recleaning_a_seen_review_returns_it_unchanged() -> None:
    cleaner = Cleaner()
    original = event("storefront:1", COMPLAINT)
    copy = event("csv:2", COMPLAINT)
    pasted = event("storefront:3", COMPLAINT.replace("medium", "large"), sku="JKT-0099")
    before = cleaner.clean_batch([original, copy, pasted], NOW)
    again = cleaner.clean_batch([original, copy, pasted], NOW)
    assert [r.model_dump() for r in again] == [r.model_dump() for r in before]
    assert [r.status for r in again] == [ReviewStatus.clean, ReviewStatus.duplicate, ReviewStatus.clean]
    assert again[0].duplicate_of is None and again[0].near_duplicate_of is None


def test_pasted_complaint_from_another_customer_stays_clean_with_near_duplicate_of() -> None:
    cleaner = Cleaner()
    cleaner.clean_batch([event("storefront:1", COMPLAINT, customer_id="C-1")], NOW)
    pasted = COMPLAINT.replace("daughter", "son").replace("twice", "three times")
    (cleaned,) = cleaner.clean_batch([event("social:tw-9", pasted, customer_id="C-2", sku=None)], NOW)
    assert cleaned.status is ReviewStatus.clean
    assert cleaned.near_duplicate_of == "storefront:1"
    assert cleaned.duplicate_of is None


def test_different_complaints_are_neither_duplicates_nor_near_duplicates() -> None:
    other = (
        "The box arrived crushed and soaking wet, the dress inside was stained and smelled of mildew. The "
        "courier left it in the rain by the gate without ringing. I want a replacement."
    )
    _, second = Cleaner().clean_batch([event("storefront:1", COMPLAINT), event("storefront:2", other)], NOW)
    assert (second.status, second.duplicate_of, second.near_duplicate_of) == (ReviewStatus.clean, None, None)


def test_spam_is_marked_with_its_reason_and_never_a_duplicate() -> None:
    spam = "Buy followers cheap at www.fastfollow.example.xyz"
    first, second = Cleaner().clean_batch([event("social:1", spam), event("social:2", spam)], NOW)
    for cleaned in (first, second):
        assert cleaned.status is ReviewStatus.spam
        assert cleaned.spam_reason == "solicitation: 'buy followers'"
        assert cleaned.duplicate_of is None


def test_language_falls_back_to_the_sources_tag_when_text_is_too_short() -> None:
    cleaner = Cleaner()
    assert clean_one(cleaner, event("app_store:1", "ok", language="de-DE")).language == "de"
    assert clean_one(cleaner, event("app_store:2", "ok")).language == "und"
    spanish = event("app_store:3", "La cremallera se rompió el segundo día y nadie contesta.", language="en")
    assert clean_one(cleaner, spanish).language == "es"


def test_prime_restores_duplicate_state_after_a_restart() -> None:
    before_restart = Cleaner()
    earlier = before_restart.clean_batch(
        [
            event("storefront:1", COMPLAINT),
            event("storefront:2", "The zipper broke on day two."),
            event("csv:3", "the zipper broke on day two"),
            event("social:4", "Buy followers cheap at www.fastfollow.example.xyz"),
        ],
        NOW,
    )
    restarted = Cleaner()
    assert restarted.prime(silver_rows(earlier)) == 3
    pasted = event("storefront:5", COMPLAINT.replace("medium", "large"), sku="JKT-0099")
    cross_channel = event("csv:6", "The zipper broke on day two!!")
    again = event("storefront:1", COMPLAINT)
    later = restarted.clean_batch([pasted, cross_channel, again], NOW)
    assert later[0].near_duplicate_of == "storefront:1"
    assert later[1].duplicate_of == "storefront:2"
    assert later[2].model_dump(exclude={"cleaned_at"}) == earlier[0].model_dump(exclude={"cleaned_at"})


def test_config_reaches_every_step() -> None:
    config = CleaningConfig.model_validate(
        {
            "spam": {"solicitation_phrases": ["join my raffle"]},
            "pii": {"order_number_patterns": [r"\bINV-\d{4}\b"], "order_number_min_digits": 4},
        }
    )
    cleaned = clean_one(Cleaner(config), event("storefront:1", "Join my raffle, invoice INV-2026"))
    assert cleaned.text == "Join my raffle, invoice [ORDER]"
    assert cleaned.status is ReviewStatus.spam


def test_real_reviews_are_neither_spam_nor_pii(shared_csv: Path) -> None:
    with shared_csv.open(newline="", encoding="utf-8") as handle:
        rows = [row for _, row in zip(range(3_000), csv.DictReader(handle), strict=False) if row["Review Text"]]
    events = [event(f"csv:{row['']}", row["Review Text"], title=row["Title"], sku=row["Clothing ID"]) for row in rows]
    cleaned = Cleaner().clean_batch(events, NOW)
    assert [r.review_id for r in cleaned if r.status is ReviewStatus.spam] == []
    assert [r.review_id for r in cleaned if r.pii_kinds] == []
    assert sum(r.language == "en" for r in cleaned) >= 0.99 * len(cleaned)
