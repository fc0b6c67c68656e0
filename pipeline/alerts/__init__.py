"""Alerting over gold: YAML rules, detectors, Alertmanager-style grouping/muting/routing, notifications, feedback.

Build an engine with `build_alert_engine(settings)` and call `engine.run(session, now)` on a schedule (the demo
every 15 simulated minutes, `reviewops alerts run` on demand); it notifies owners through a `Notifier` (a JSONL
file per receiver under REVIEWOPS_HOME/alerts by default) and opens incidents (store/incidents.py).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from pipeline.alerts.detectors import AlertCandidate, Detector, alert_fingerprint
from pipeline.alerts.evidence import ReviewRef
from pipeline.alerts.feedback import PrecisionReport, PrecisionRow, alert_precision, record_feedback
from pipeline.alerts.grouping import SentNotification
from pipeline.alerts.manager import AlertEngine, EvaluationReport, alert_labels
from pipeline.alerts.notifications import (
    AlertSummary,
    FileNotifier,
    MemoryNotifier,
    Notification,
    Notifier,
    receiver_filename,
)
from pipeline.alerts.routing import AlertRoutingConfig, Inhibitor, InhibitRule, Matcher, Route, load_alert_routing
from pipeline.alerts.rules import PLAYBOOK_IDS, SEVERITIES, AlertRule, AlertRulesConfig, load_alert_rules
from pipeline.alerts.silences import Silence, add_silence, expire_silence, list_silences
from pipeline.alerts.summary import AlertsCollector, AlertsSummary, NotifiedGroup, summarize_alerts
from store.settings import Settings
from store.taxonomy import load_taxonomy

__all__ = [
    "PLAYBOOK_IDS",
    "SEVERITIES",
    "AlertCandidate",
    "AlertEngine",
    "AlertRoutingConfig",
    "AlertRule",
    "AlertRulesConfig",
    "AlertSummary",
    "AlertsCollector",
    "AlertsSummary",
    "Detector",
    "EvaluationReport",
    "FileNotifier",
    "InhibitRule",
    "Inhibitor",
    "Matcher",
    "MemoryNotifier",
    "Notification",
    "NotifiedGroup",
    "Notifier",
    "PrecisionReport",
    "PrecisionRow",
    "ReviewRef",
    "Route",
    "SentNotification",
    "Silence",
    "add_silence",
    "alert_fingerprint",
    "alert_labels",
    "alert_precision",
    "build_alert_engine",
    "expire_silence",
    "list_silences",
    "load_alert_routing",
    "load_alert_rules",
    "receiver_filename",
    "record_feedback",
    "summarize_alerts",
]


def build_alert_engine(
    settings: Settings,
    notifier: Notifier | None = None,
    frozen_skus: Callable[[Session], frozenset[str]] | None = None,
) -> AlertEngine:
    """An engine from config/alert_rules.yaml, config/alert_routing.yaml and the taxonomy.

    Notifications go to `notifier`, by default JSONL files under `<home>/alerts/`; `frozen_skus` says which
    listings are frozen (their per-review alerts are muted).
    """
    config_dir = settings.config_dir
    taxonomy = load_taxonomy(config_dir / "taxonomy.yaml")
    rules = load_alert_rules(config_dir / "alert_rules.yaml", taxonomy)
    routing = load_alert_routing(config_dir / "alert_routing.yaml")
    return AlertEngine(
        rules,
        routing,
        taxonomy,
        notifier or FileNotifier(settings.home / "alerts"),
        frozen_skus=frozen_skus,
    )
