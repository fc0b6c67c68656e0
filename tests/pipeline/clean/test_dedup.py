"""Exact dedup keys and the MinHash LSH near-duplicate index."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import UTC, datetime

import pytest

from pipeline.clean import NearDuplicateConfig, NearDuplicateIndex, dedup_key
from store.schemas import Channel, ReviewEvent

NOW = datetime(2026, 11, 3, tzinfo=UTC)
COMPLAINT = (
    "I ordered the quilted winter jacket in medium for my daughter and the zipper broke the second time she "
    "wore it. The pull came off in her hand and the teeth split apart at the bottom, so the jacket cannot be "
    "closed at all. I emailed customer service twice and waited over a week without any reply. Please fix "
    "this or refund me."
)
OTHER_COMPLAINT = (
    "The box arrived crushed and soaking wet, the dress inside was stained and smelled of mildew. The courier "
    "left it in the rain by the gate without ringing. I want a replacement sent with proper packaging and an "
    "explanation of why tracking said it was handed to me in person."
)


def event(
    sku: str | None = "JKT-0042", channel: Channel = Channel.storefront, customer_id: str | None = "C-1"
) -> ReviewEvent:
    return ReviewEvent(
        review_id="r:1",
        source=channel.value,
        channel=channel,
        sku=sku,
        customer_id=customer_id,
        text="x",
        created_at=NOW,
        received_at=NOW,
    )


def replace_words(text: str, changes: dict[int, str]) -> str:
    words = text.split()
    for position, word in changes.items():
        words[position] = word
    return " ".join(words)


def shingle_jaccard(first: str, second: str) -> float:
    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[index : index + 3]) for index in range(len(words) - 2)}

    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b)


def test_dedup_key_ignores_case_punctuation_spacing_and_channel() -> None:
    first = dedup_key(event(channel=Channel.storefront), "The zipper broke on day two!")
    second = dedup_key(event(channel=Channel.csv), "the zipper  broke, on day-two")
    assert first == second
    assert re.fullmatch(r"[0-9a-f]{64}", first)


def test_dedup_key_differs_by_sku_customer_and_words() -> None:
    base = dedup_key(event(), "The zipper broke on day two")
    assert dedup_key(event(sku="JKT-0043"), "The zipper broke on day two") != base
    assert dedup_key(event(sku=None), "The zipper broke on day two") != base
    assert dedup_key(event(customer_id="C-2"), "The zipper broke on day two") != base
    assert dedup_key(event(customer_id=None), "The zipper broke on day two") != base
    assert dedup_key(event(), "The zipper broke on day three") != base


def test_dedup_key_is_sha256_of_sku_customer_and_folded_text() -> None:
    expected = hashlib.sha256(b"JKT-0042\x1fC-1\x1frunssmall").hexdigest()
    assert dedup_key(event(), "Runs small.") == expected
    anonymous = hashlib.sha256(b"\x1fanonymous:r:1\x1frunssmall").hexdigest()
    assert dedup_key(event(sku=None, customer_id=None), "Runs small!") == anonymous


def test_identical_texts_from_two_anonymous_writers_are_not_duplicates() -> None:
    first = event(sku=None, customer_id=None)
    second = first.model_copy(update={"review_id": "r:2"})
    text = "Okay app, search could be better."
    assert dedup_key(first, text) != dedup_key(second, text)


@pytest.mark.parametrize("changes", [{12: "snapped"}, {12: "snapped", 40: "mailed"}])
def test_pasted_complaint_with_one_or_two_words_changed_is_found(changes: dict[int, str]) -> None:
    index = NearDuplicateIndex()
    index.add("storefront:1", COMPLAINT)
    index.add("storefront:2", OTHER_COMPLAINT)
    pasted = replace_words(COMPLAINT, changes)
    assert shingle_jaccard(COMPLAINT, pasted) >= 0.78
    assert index.find(pasted) == "storefront:1"


def test_different_complaints_on_the_same_topic_are_not_near_duplicates() -> None:
    index = NearDuplicateIndex()
    index.add("storefront:1", COMPLAINT)
    similar_topic = (
        "The zipper on my jacket broke the second week. The pull came off and now it will not close. "
        "Customer service has not replied to my emails, I want a refund."
    )
    assert index.find(similar_topic) is None
    assert index.find(OTHER_COMPLAINT) is None


def test_short_texts_are_never_matched() -> None:
    index = NearDuplicateIndex()
    assert index.add("storefront:1", "Love it! Great dress, true to size") is False
    assert index.find("Love it! Great dress, true to size") is None
    assert len(index) == 0


def test_find_answers_the_earliest_near_duplicate() -> None:
    index = NearDuplicateIndex()
    index.add("storefront:1", COMPLAINT)
    index.add("storefront:2", replace_words(COMPLAINT, {12: "snapped"}))
    assert index.find(replace_words(COMPLAINT, {12: "snapped", 30: "her"})) == "storefront:1"


def test_find_before_an_id_never_answers_that_id_or_a_later_one() -> None:
    index = NearDuplicateIndex()
    index.add("storefront:1", COMPLAINT)
    index.add("storefront:2", OTHER_COMPLAINT)
    index.add("storefront:3", replace_words(OTHER_COMPLAINT, {5: "wrecked"}))
    assert index.find(COMPLAINT, before="storefront:1") is None
    assert index.find(OTHER_COMPLAINT, before="storefront:2") is None
    assert index.find(OTHER_COMPLAINT, before="storefront:3") == "storefront:2"


def test_adding_an_id_twice_keeps_the_first() -> None:
    index = NearDuplicateIndex()
    assert index.add("storefront:1", COMPLAINT) is True
    assert index.add("storefront:1", OTHER_COMPLAINT) is False
    assert index.find(OTHER_COMPLAINT) is None
    assert "storefront:1" in index


def test_threshold_is_configurable() -> None:
    three_changes = replace_words(COMPLAINT, {5: "coat", 20: "fell", 45: "thrice"})
    lenient = NearDuplicateIndex(NearDuplicateConfig(threshold=0.6))
    strict = NearDuplicateIndex(NearDuplicateConfig(threshold=0.95))
    for index in (lenient, strict):
        index.add("storefront:1", COMPLAINT)
    assert lenient.find(three_changes) == "storefront:1"
    assert strict.find(three_changes) is None


def random_texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [f"w{number}" for number in range(5000)]
    return [" ".join(rng.choices(vocabulary, k=12)) for _ in range(count)]


def test_texts_stay_findable_after_the_index_compacts() -> None:
    texts = random_texts(2_500)  # 32 bands each: past the 65,536-band compaction point
    index = NearDuplicateIndex()
    for number, text in enumerate(texts):
        index.add(f"r:{number}", text)
    assert index.find(texts[0]) == "r:0"
    assert index.find(texts[2_499]) == "r:2499"
    assert index.find(random_texts(1, seed=8)[0]) is None


def test_memory_is_bounded_by_max_docs() -> None:
    texts = random_texts(2_500)
    index = NearDuplicateIndex(NearDuplicateConfig(max_docs=500))
    for number, text in enumerate(texts):
        index.add(f"r:{number}", text)
    assert len(index) < 2_500
    assert "r:0" not in index
    assert index.find(texts[0]) is None
    assert index.find(texts[2_400]) == "r:2400"
