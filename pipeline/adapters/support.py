"""Support-ticket exports (Zendesk-shaped) into review events; tickets carry no stars."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.adapters.base import (
    build_event,
    optional_id,
    optional_number,
    optional_section,
    optional_str,
    register_adapter,
    required_id,
    required_str,
    required_timestamp,
)
from store.schemas import Channel, ReviewEvent

__all__ = ["SupportAdapter"]


@register_adapter
class SupportAdapter:
    """Reads a ticket: subject as title, description as text, order context from `custom_fields`."""

    name = "support"
    channel = Channel.support

    def to_event(self, obj: dict[str, Any], received_at: datetime) -> ReviewEvent:
        """Map a support ticket object onto a `ReviewEvent` (rating stays null)."""
        requester = optional_section(obj, "requester")
        fields = optional_section(obj, "custom_fields")
        return build_event(
            review_id=f"support:{required_id(obj, 'ticket_id')}",
            source=self.name,
            channel=self.channel,
            customer_id=optional_id(requester, "id", "requester."),
            order_id=optional_id(fields, "order_id", "custom_fields."),
            sku=optional_str(fields, "sku", "custom_fields."),
            category=optional_str(fields, "category", "custom_fields."),
            title=optional_str(obj, "subject") or "",
            text=required_str(obj, "description"),
            created_at=required_timestamp(obj, "created_at"),
            received_at=received_at,
            region=optional_str(fields, "region", "custom_fields."),
            warehouse=optional_str(fields, "warehouse", "custom_fields."),
            supplier=optional_str(fields, "supplier", "custom_fields."),
            order_value=optional_number(fields, "order_value", "custom_fields."),
            raw=obj,
        )
