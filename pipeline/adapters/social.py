"""Social-media mentions into review events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.adapters.base import (
    build_event,
    optional_str,
    register_adapter,
    required_id,
    required_str,
    required_timestamp,
)
from store.schemas import Channel, ReviewEvent

__all__ = ["SocialAdapter"]


@register_adapter
class SocialAdapter:
    """Reads a mention; the author's handle stays in `raw` because it is not one of our customer ids."""

    name = "social"
    channel = Channel.social

    def to_event(self, obj: dict[str, Any], received_at: datetime) -> ReviewEvent:
        """Map a social post object onto a `ReviewEvent` (no stars)."""
        return build_event(
            review_id=f"social:{required_id(obj, 'post_id')}",
            source=self.name,
            channel=self.channel,
            sku=optional_str(obj, "sku"),
            text=required_str(obj, "text"),
            created_at=required_timestamp(obj, "posted_at"),
            received_at=received_at,
            region=optional_str(obj, "region"),
            raw=obj,
        )
