"""NPS survey answers into review events, the 0-10 score mapped onto 1-5 stars."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.adapters.base import (
    build_event,
    optional_id,
    optional_str,
    register_adapter,
    required_id,
    required_int,
    required_str,
    required_timestamp,
)
from store.schemas import Channel, ReviewEvent

__all__ = ["NpsAdapter", "nps_score_to_stars"]

# docs/sources.md: 0-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-8 -> 4, 9-10 -> 5.
_STARS_BY_SCORE = (1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5)


def nps_score_to_stars(score: int) -> int:
    """Map an NPS score 0-10 onto 1-5 stars; raises ValueError outside 0-10."""
    if not 0 <= score <= 10:
        raise ValueError(f"NPS score must be 0-10, got {score}")
    return _STARS_BY_SCORE[score]


@register_adapter
class NpsAdapter:
    """Reads a survey answer: the comment is the text, the respondent is the customer."""

    name = "nps"
    channel = Channel.survey

    def to_event(self, obj: dict[str, Any], received_at: datetime) -> ReviewEvent:
        """Map an NPS response object onto a `ReviewEvent`."""
        return build_event(
            review_id=f"nps:{required_id(obj, 'response_id')}",
            source=self.name,
            channel=self.channel,
            customer_id=optional_id(obj, "respondent_id"),
            order_id=optional_id(obj, "order_id"),
            sku=optional_str(obj, "sku"),
            rating=_STARS_BY_SCORE[required_int(obj, "score", 0, 10)],
            text=required_str(obj, "comment"),
            created_at=required_timestamp(obj, "submitted_at"),
            received_at=received_at,
            region=optional_str(obj, "region"),
            warehouse=optional_str(obj, "warehouse"),
            raw=obj,
        )
