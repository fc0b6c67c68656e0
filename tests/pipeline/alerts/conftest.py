"""Fixtures for alerting tests: a migrated SQLite database and an engine built from small, explicit configs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline.alerts import AlertEngine, MemoryNotifier
from pipeline.alerts.routing import AlertRoutingConfig
from pipeline.alerts.rules import AlertRulesConfig
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


@pytest.fixture
def notifier() -> MemoryNotifier:
    return MemoryNotifier()


@pytest.fixture
def make_engine(notifier: MemoryNotifier) -> Callable[..., AlertEngine]:
    def make(rules: str = RULES, routing: str = ROUTING, **kwargs: object) -> AlertEngine:
        return AlertEngine(rules_config(rules), routing_config(routing), taxonomy(), notifier, **kwargs)  # type: ignore[arg-type]

    return make
