"""Alerting over gold: YAML rules, detectors, Alertmanager-style grouping/muting/routing, notifications, feedback.

Build a scheduler with `build_alert_scheduler(settings, db)` and call `evaluate(now)` (the service every
`REVIEWOPS_ALERTS_INTERVAL_SECONDS`, the demo every 15 simulated minutes, `reviewops alerts run` on demand): the
engine evaluates the rules over gold, opens incidents (store/incidents.py) and stores each notification as an
outbox row; after the commit the rows are delivered to the owners' receivers (tools/receivers.py: webhooks,
email, or a JSONL file per receiver under REVIEWOPS_HOME/alerts by default).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from pipeline.alerts.detectors import AlertCandidate, Detector, alert_fingerprint
from pipeline.alerts.evidence import ReviewRef
from pipeline.alerts.feedback import PrecisionReport, PrecisionRow, alert_precision, record_feedback
from pipeline.alerts.grouping import SentNotification
from pipeline.alerts.manager import AlertEngine, EvaluationReport, alert_labels
from pipeline.alerts.notifications import OUTBOX_TOOL, AlertSummary, Notification
from pipeline.alerts.render import render_notification
from pipeline.alerts.routing import AlertRoutingConfig, Inhibitor, InhibitRule, Matcher, Route, load_alert_routing
from pipeline.alerts.rules import PLAYBOOK_IDS, SEVERITIES, AlertRule, AlertRulesConfig, load_alert_rules
from pipeline.alerts.schedule import AlertScheduler, AlertScheduleSettings, ScheduledEvaluation
from pipeline.alerts.silences import Silence, add_silence, expire_silence, list_silences
from pipeline.alerts.summary import AlertsCollector, AlertsSummary, NotifiedGroup, summarize_alerts
from store.db import Database
from store.settings import Settings
from store.taxonomy import load_taxonomy
from tools.senders import Senders, SenderSettings

__all__ = [
    "OUTBOX_TOOL",
    "PLAYBOOK_IDS",
    "SEVERITIES",
    "AlertCandidate",
    "AlertEngine",
    "AlertRoutingConfig",
    "AlertRule",
    "AlertRulesConfig",
    "AlertScheduleSettings",
    "AlertScheduler",
    "AlertSummary",
    "AlertsCollector",
    "AlertsSummary",
    "Detector",
    "EvaluationReport",
    "InhibitRule",
    "Inhibitor",
    "Matcher",
    "Notification",
    "NotifiedGroup",
    "PrecisionReport",
    "PrecisionRow",
    "ReviewRef",
    "Route",
    "ScheduledEvaluation",
    "SentNotification",
    "Silence",
    "add_silence",
    "alert_fingerprint",
    "alert_labels",
    "alert_precision",
    "build_alert_engine",
    "build_alert_scheduler",
    "expire_silence",
    "list_silences",
    "load_alert_routing",
    "load_alert_rules",
    "record_feedback",
    "render_notification",
    "summarize_alerts",
]


def build_alert_engine(
    settings: Settings,
    frozen_skus: Callable[[Session], frozenset[str]] | None = None,
) -> AlertEngine:
    """An engine from config/alert_rules.yaml, config/alert_routing.yaml and the taxonomy.

    Its notifications are delivered, once committed, to the receivers of config/alert_routing.yaml (unlisted ones:
    JSONL files under `<home>/alerts/`); `frozen_skus` says which listings are frozen (per-review alerts muted).
    """
    config_dir = settings.config_dir
    taxonomy = load_taxonomy(config_dir / "taxonomy.yaml")
    rules = load_alert_rules(config_dir / "alert_rules.yaml", taxonomy)
    routing = load_alert_routing(config_dir / "alert_routing.yaml")
    senders = Senders(SenderSettings(home=settings.home, config_dir=config_dir))
    return AlertEngine(rules, routing, taxonomy, frozen_skus=frozen_skus, senders=senders)


def build_alert_scheduler(
    settings: Settings,
    db: Database,
    *,
    clock: Callable[[], datetime] | None = None,
    schedule: AlertScheduleSettings | None = None,
    lock: AbstractContextManager[object] | None = None,
) -> AlertScheduler:
    """A scheduler over `db` with the engine of `build_alert_engine(settings)`, every `REVIEWOPS_ALERTS_*` interval."""
    schedule = schedule or AlertScheduleSettings()
    return AlertScheduler(
        db,
        build_alert_engine(settings),
        clock=clock or (lambda: datetime.now(UTC)),
        interval=timedelta(seconds=schedule.interval_seconds),
        lock=lock,
    )
