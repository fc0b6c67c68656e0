"""The bronze -> silver cleaning stage: one `Cleaner` holds the duplicate state that spans batches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from pipeline.clean.config import CleaningConfig
from pipeline.clean.dedup import NearDuplicateIndex, dedup_key
from pipeline.clean.language import UNDETERMINED, get_language_detector
from pipeline.clean.normalize import normalize_text
from pipeline.clean.pii import compile_pii_patterns, mask_pii
from pipeline.clean.spam import compile_spam_rules, spam_reason
from store.schemas import CleanedReview, ReviewEvent, ReviewStatus

__all__ = ["Cleaner"]


class Cleaner:
    """Turns validated `ReviewEvent`s into silver `CleanedReview`s, remembering every review seen for dedup.

    Order per review: normalize, mask PII in title and text (nothing after this sees raw text), language,
    spam, exact duplicate (same SKU, customer and text), near-duplicate. A spam review is never a duplicate; a
    near-duplicate stays `clean` (a complaint pasted by another customer is still a signal) with
    `near_duplicate_of` set.

    One per pipeline process, not thread-safe. Memory: the exact-key map grows ~200 bytes per distinct review;
    the near-duplicate index is capped by `near_duplicate.max_docs`.
    """

    def __init__(self, config: CleaningConfig | None = None) -> None:
        self.config = config or CleaningConfig()
        self._pii = compile_pii_patterns(self.config.pii)
        self._spam = compile_spam_rules(self.config.spam)
        self._language = get_language_detector(self.config.language)
        self._near_duplicates = NearDuplicateIndex(self.config.near_duplicate)
        self._first_by_key: dict[str, str] = {}

    def prime(self, rows: Iterable[tuple[str, str, str]]) -> int:
        """Restore state after a restart from silver rows `(review_id, dedup_key, masked text)`, oldest first.

        Pass clean and duplicate rows; spam rows never entered the state. Returns the number of rows read.
        """
        count = 0
        for review_id, key, text in rows:
            self._first_by_key.setdefault(key, review_id)
            self._near_duplicates.add(review_id, text)
            count += 1
        return count

    def clean_batch(self, events: Sequence[ReviewEvent], now: datetime) -> list[CleanedReview]:
        """Clean `events` in order (earlier ones win duplicates, within the batch too), stamping `cleaned_at=now`.

        Re-cleaning a review id seen before gives the same answer as the first time, never "duplicate of itself".
        """
        return [self._clean(event, now) for event in events]

    def _clean(self, event: ReviewEvent, now: datetime) -> CleanedReview:
        title, title_kinds = mask_pii(normalize_text(event.title), self._pii) if event.title else ("", [])
        text, text_kinds = mask_pii(normalize_text(event.text), self._pii)
        key = dedup_key(event, text)
        combined = f"{title} {text}" if title else text
        reason = spam_reason(event, combined, self._spam)
        status, duplicate_of, near_duplicate_of = ReviewStatus.clean, None, None
        if reason is not None:
            status = ReviewStatus.spam
        else:
            first = self._first_by_key.setdefault(key, event.review_id)
            if first != event.review_id:
                status, duplicate_of = ReviewStatus.duplicate, first
            else:
                near_duplicate_of = self._near_duplicates.find(text, before=event.review_id)
                self._near_duplicates.add(event.review_id, text)
        return CleanedReview(
            review_id=event.review_id,
            source=event.source,
            channel=event.channel,
            customer_id=event.customer_id,
            order_id=event.order_id,
            sku=event.sku,
            category=event.category,
            rating=event.rating,
            title=title,
            text=text,
            language=self._detect_language(event, title, text),
            created_at=event.created_at,
            received_at=event.received_at,
            cleaned_at=now,
            region=event.region,
            warehouse=event.warehouse,
            supplier=event.supplier,
            order_value=event.order_value,
            status=status,
            dedup_key=key,
            duplicate_of=duplicate_of,
            near_duplicate_of=near_duplicate_of,
            spam_reason=reason,
            pii_kinds=list(dict.fromkeys(title_kinds + text_kinds)),
        )

    def _detect_language(self, event: ReviewEvent, title: str, text: str) -> str:
        """Detected language of the text (title first when the text alone is short); else the source's own tag."""
        sample = text if len(text) >= self.config.language.max_chars or not title else f"{title}. {text}"
        language = self._language.detect(sample)
        if language == UNDETERMINED and event.language:
            declared = event.language.split("-")[0].split("_")[0].lower()
            if len(declared) == 2 and declared.isalpha() and declared in self.config.language.languages:
                return declared
        return language
