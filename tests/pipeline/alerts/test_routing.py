"""Matchers, the routing tree (first match, continue, inheritance, owner receivers) and inhibition rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.alerts.routing import AlertRoutingConfig, Inhibitor, InhibitRule, Matcher, parse_duration
from store.yaml_config import ConfigError, parse_yaml_model
from tests.pipeline.alerts.conftest import routing_config

SAFETY = {"alertname": "safety_report", "severity": "critical", "topic": "safety_hazard", "sku": "CHG-1",
          "owner_receiver": "pagerduty:safety-oncall", "incident_key": "sku=CHG-1|topic=safety_hazard"}  # fmt: skip
DEFECT = {"alertname": "spike", "severity": "medium", "topic": "product_quality.defect", "sku": "CHG-1",
          "class": "trend", "owner_receiver": "jira:QA",
          "incident_key": "sku=CHG-1|topic=product_quality.defect"}  # fmt: skip

TREE = """
version: "t"
route:
  receiver: owner
  group_by: [scope, topic]
  group_wait: 10m
  group_interval: 30m
  repeat_interval: 24h
  send_resolved: true
  routes:
    - name: page
      matchers: ['severity="critical"']
      group_wait: 0s
      routes:
        - name: electronics
          matchers: ['category=~"Electronics.*"']
          receiver: "pagerduty:electronics-oncall"
    - name: audit
      matchers: ['severity=~"high|medium"']
      receiver: "email:audit@shop.example"
      repeat_interval: 3d
      continue: true
    - name: quality
      matchers: ['domain="product_quality"']
      group_by: [sku]
"""


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ('sku="JKT-1"', {"sku": "JKT-1"}, True),
        ('sku!="JKT-1"', {"sku": "JKT-1"}, False),
        ('topic=~"sizing_fit\\..*"', {"topic": "sizing_fit.runs_small"}, True),
        ('topic=~"sizing"', {"topic": "sizing_fit.runs_small"}, False),  # regexes match the whole value
        ('severity!~"low|medium"', {"severity": "critical"}, True),
        ('sku=""', {}, True),  # a missing label reads as ""
        ("sku=JKT-1", {"sku": "JKT-1"}, True),
    ],
)
def test_matchers_follow_alertmanager_semantics(text, labels, expected):
    assert Matcher.parse(text).matches(labels) is expected


def test_a_malformed_matcher_says_what_a_good_one_looks_like():
    with pytest.raises(ValueError, match='expected a matcher like sku="JKT-0125"'):
        Matcher.parse("sku is JKT-1")


def test_durations_parse_from_text():
    assert parse_duration("0s") == timedelta(0)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("3d") == timedelta(days=3)
    with pytest.raises(ValueError, match="30s, 10m, 4h or 1d"):
        parse_duration("an hour")


def test_the_owner_receiver_comes_from_the_alert_labels():
    (route,) = routing_config().routes_for(DEFECT)
    assert (route.path, route.receiver, route.group_wait) == ("root", "jira:QA", timedelta(minutes=10))


def test_the_first_matching_child_wins_and_inherits_unset_settings():
    tree = parse_yaml_model(TREE, AlertRoutingConfig)
    (page,) = tree.routes_for(SAFETY)
    assert (page.path, page.receiver, page.group_wait, page.repeat_interval) == (
        "page", "pagerduty:safety-oncall", timedelta(0), timedelta(hours=24)
    )  # fmt: skip
    (nested,) = tree.routes_for({**SAFETY, "category": "Electronics accessories"})
    assert (nested.path, nested.receiver) == ("electronics", "pagerduty:electronics-oncall")
    assert nested.group_wait == timedelta(0)


def test_continue_delivers_to_later_siblings_too():
    tree = parse_yaml_model(TREE, AlertRoutingConfig)
    routes = tree.routes_for({**DEFECT, "domain": "product_quality"})
    assert [(r.path, r.receiver, r.group_by) for r in routes] == [
        ("audit", "email:audit@shop.example", ("scope", "topic")),
        ("quality", "jira:QA", ("sku",)),
    ]
    assert routes[0].repeat_interval == timedelta(days=3)


def test_an_alert_matching_no_child_stays_on_the_root():
    tree = parse_yaml_model(TREE, AlertRoutingConfig)
    (route,) = tree.routes_for({**DEFECT, "severity": "low"})
    assert route.path == "root"


def test_routing_to_the_owner_without_an_owner_label_is_an_error():
    with pytest.raises(ValueError, match="no owner_receiver"):
        routing_config().routes_for({"severity": "medium"})


def test_the_root_route_must_set_every_timing():
    text = TREE.replace("  group_wait: 10m\n", "", 1)
    with pytest.raises(ConfigError, match="route: the root route must set group_wait"):
        parse_yaml_model(text, AlertRoutingConfig)


SAFETY_MUTES = InhibitRule(
    name="safety_mutes_lower",
    source_matchers=['topic="safety_hazard"'],
    target_matchers=['severity!="critical"'],
    equal=["sku"],
)


def test_a_safety_alert_mutes_lower_alerts_of_the_same_sku():
    inhibitor = Inhibitor([SAFETY_MUTES], [SAFETY, DEFECT])
    assert inhibitor.muted_by(DEFECT) == "safety_mutes_lower"
    assert inhibitor.muted_by(SAFETY) is None
    assert inhibitor.muted_by({**DEFECT, "sku": "OTHER-1"}) is None


def test_alerts_both_missing_an_equal_label_are_not_the_same_sku():
    source = {k: v for k, v in SAFETY.items() if k != "sku"}
    target = {k: v for k, v in DEFECT.items() if k != "sku"}
    assert Inhibitor([SAFETY_MUTES], [source]).muted_by(target) is None


def test_an_alert_never_mutes_another_view_of_the_same_problem():
    rule = InhibitRule(name="x", source_matchers=['sku=~".+"'], target_matchers=['sku=~".+"'], equal=["sku"])
    twin = {**DEFECT, "alertname": "other_rule"}
    assert Inhibitor([rule], [DEFECT, twin]).muted_by(DEFECT) is None
    assert Inhibitor([rule], [DEFECT, SAFETY]).muted_by(DEFECT) == "x"
