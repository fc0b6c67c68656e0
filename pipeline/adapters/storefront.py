"""Storefront review webhooks (`review.created`) into review events."""

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
    required_int,
    required_str,
    required_timestamp,
)
from store.schemas import Channel, ReviewEvent

__all__ = ["StorefrontAdapter"]


@register_adapter
class StorefrontAdapter:
    """Reads the storefront webhook: stars, title and body, with customer, product and order sections."""

    name = "storefront"
    channel = Channel.storefront

    def to_event(self, obj: dict[str, Any], received_at: datetime) -> ReviewEvent:
        """Map a storefront webhook object onto a `ReviewEvent`."""
        customer = optional_section(obj, "customer")
        product = optional_section(obj, "product")
        order = optional_section(obj, "order")
        return build_event(
            review_id=f"storefront:{required_id(obj, 'review_id')}",
            source=self.name,
            channel=self.channel,
            customer_id=optional_id(customer, "id", "customer."),
            order_id=optional_id(order, "id", "order."),
            sku=optional_str(product, "sku", "product."),
            category=optional_str(product, "category", "product."),
            rating=required_int(obj, "rating", 1, 5),
            title=optional_str(obj, "title") or "",
            text=required_str(obj, "body"),
            created_at=required_timestamp(obj, "created_at"),
            received_at=received_at,
            region=optional_str(order, "region", "order."),
            warehouse=optional_str(order, "warehouse", "order."),
            supplier=optional_str(product, "supplier", "product."),
            order_value=optional_number(order, "value", "order."),
            raw=obj,
        )
