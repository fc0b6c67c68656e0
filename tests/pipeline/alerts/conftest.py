"""Fixtures for alerting tests: a migrated SQLite database and an engine built from small, explicit configs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from pipeline.alerts import OUTBOX_TOOL, AlertEngine
from pipeline.alerts.routing import AlertRoutingConfig
from pipeline.alerts.rules import AlertRulesConfig
from store.db import Database
from store.outbox_tables import OutboxRow
from store.yaml_config import parse_yaml_model
from tests.pipeline.alerts.factories import migrated_sqlite, taxonomy

RULES = """
version: "test.1"
representative_reviews: 2
playbooks:
  product_quality.defect: defective_product
  shipping_delivery.late: shipping_delay
  safety_hazard: safety_hazard
rules:
  - id: defect_reports
    kind: threshold
    description: Three defect complaints about a SKU in a day.
    scope: sku
    topics: [product_quality.defect]
    windows_days: [1]
    min_count: 3
    resolve_window_days: 1
    severity: medium
  - id: defect_burst
    kind: threshold
    description: Five defect complaints about a SKU in a day.
    scope: sku
    topics: [product_quality.defect]
    windows_days: [1]
    min_count: 5
    resolve_window_days: 1
    severity: medium
  - id: safety_report
    kind: threshold
    description: One credible safety report.
    scope: sku
    topics: [safety_hazard]
    metric: reviews
    windows_days: [1]
    min_count: 1
    resolve_window_days: 1
    severity: critical
  - id: region_late
    kind: threshold
    description: Late deliveries into a region.
    scope: region
    topics: [shipping_delivery.late]
    windows_days: [1]
    min_count: 3
    resolve_window_days: 1
    severity: medium
"""

ROUTING = """
version: "test.1"
route:
  receiver: owner
  group_by: [scope, topic]
  group_wait: 10m
  group_interval: 30m
  repeat_interval: 4h
  send_resolved: true
  routes:
    - name: page
      matchers: ['severity="critical"']
      group_wait: 0s
inhibit_rules:
  - name: safety_mutes_lower
    source_matchers: ['topic="safety_hazard"']
    target_matchers: ['severity!="critical"']
    equal: [sku]
  - name: incident_mutes_reports
    source_matchers: ['alertname="IncidentOpen"']
    target_matchers: ['class="report"', 'severity!="critical"']
    equal: [sku]
  - name: frozen_listing
    source_matchers: ['alertname="ListingFrozen"']
    target_matchers: ['class="report"']
    equal: [sku]
"""


def rules_config(text: str = RULES) -> AlertRulesConfig:
    return parse_yaml_model(text, AlertRulesConfig, source="test_rules.yaml")


def routing_config(text: str = ROUTING) -> AlertRoutingConfig:
    return parse_yaml_model(text, AlertRoutingConfig, source="test_routing.yaml")


@pytest.fixture
def db(tmp_path):
    database = migrated_sqlite(tmp_path)
    yield database
    database.dispose()


class Outbox:
    """The alert notifications the engine stored for delivery, oldest first, as (receiver, payload, key)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def sent(self) -> list[tuple[str, dict[str, Any], str]]:
        with self.db.session() as s:
            rows = s.scalars(select(OutboxRow).where(OutboxRow.tool == OUTBOX_TOOL).order_by(OutboxRow.id)).all()
            return [(row.receiver, row.payload, row.idempotency_key) for row in rows]


@pytest.fixture
def notifier(db: Database) -> Outbox:
    return Outbox(db)


@pytest.fixture
def make_engine() -> Callable[..., AlertEngine]:
    def make(rules: str = RULES, routing: str = ROUTING, **kwargs: Any) -> AlertEngine:
        return AlertEngine(rules_config(rules), routing_config(routing), taxonomy(), **kwargs)

    return make
