"""App-store reviews (Google Play / App Store shaped) into review events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.adapters.base import (
    build_event,
    optional_str,
    register_adapter,
    required_id,
    required_int,
    required_str,
    required_timestamp,
)
from store.schemas import Channel, ReviewEvent

__all__ = ["AppStoreAdapter"]


@register_adapter
class AppStoreAdapter:
    """Reads an app review; `territory` becomes the region. The reviewer's display name is not a customer id."""

    name = "app_store"
    channel = Channel.app_store

    def to_event(self, obj: dict[str, Any], received_at: datetime) -> ReviewEvent:
        """Map an app-store review object onto a `ReviewEvent`."""
        return build_event(
            review_id=f"app_store:{required_id(obj, 'reviewId')}",
            source=self.name,
            channel=self.channel,
            sku=optional_str(obj, "sku"),
            rating=required_int(obj, "score", 1, 5),
            text=required_str(obj, "content"),
            created_at=required_timestamp(obj, "at"),
            received_at=received_at,
            region=optional_str(obj, "territory"),
            raw=obj,
        )
