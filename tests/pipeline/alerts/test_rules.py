"""The shipped alert rules and their validation: every topic has a playbook, patterns must name real topics."""

from __future__ import annotations

import pytest

from pipeline.alerts.routing import load_alert_routing
from pipeline.alerts.rules import PLAYBOOK_IDS, AlertRulesConfig, load_alert_rules
from store.settings import PROJECT_ROOT
from store.yaml_config import ConfigError, parse_yaml_model
from tests.pipeline.alerts.conftest import RULES, rules_config
from tests.pipeline.alerts.factories import taxonomy

CONFIG = PROJECT_ROOT / "config"


def test_the_shipped_rules_and_routing_load_and_match_the_taxonomy():
    rules = load_alert_rules(CONFIG / "alert_rules.yaml", taxonomy())
    routing = load_alert_routing(CONFIG / "alert_routing.yaml")
    assert {rule.kind for rule in rules.rules} == {"rate", "threshold", "incident"}
    assert set(rules.playbooks.values()) == set(PLAYBOOK_IDS)
    assert rules.playbook_for("safety_hazard") == "safety_hazard"
    assert routing.inhibit_rules and all(rule.equal for rule in routing.inhibit_rules)


def test_topic_globs_and_flags_expand_to_taxonomy_ids():
    text = RULES.replace("topics: [product_quality.defect]", 'topics: ["sizing_fit.*", safety_hazard]', 1)
    config = rules_config(text)
    assert config.topics_of(config.rules[0], taxonomy()) == [
        "sizing_fit.runs_small",
        "sizing_fit.runs_large",
        "sizing_fit.fit_cut",
        "safety_hazard",
    ]


def test_a_pattern_matching_no_topic_is_reported_with_its_field():
    config = rules_config(RULES.replace("topics: [product_quality.defect]", "topics: [product_quality.defekt]", 1))
    with pytest.raises(ConfigError, match=r"rules\[0\]\.topics\[0\]: 'product_quality.defekt' matches no topic"):
        config.check_against(taxonomy(), "alert_rules.yaml")


def test_every_topic_needs_a_playbook():
    with pytest.raises(ConfigError, match=r"no playbook for .*sizing_fit\.runs_small"):
        rules_config().check_against(taxonomy(), "alert_rules.yaml")


def test_duplicate_rule_ids_and_unknown_playbooks_are_rejected_with_their_line():
    text = RULES.replace("id: defect_burst", "id: defect_reports")
    with pytest.raises(ConfigError, match=r"test_rules.yaml:\d+: rules\[1\]\.id: duplicate rule id 'defect_reports'"):
        rules_config(text)
    with pytest.raises(ConfigError, match=r"playbooks\.safety_hazard"):
        parse_yaml_model(RULES.replace("safety_hazard: safety_hazard", "safety_hazard: call_someone"), AlertRulesConfig)
