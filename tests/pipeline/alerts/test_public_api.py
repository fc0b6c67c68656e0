"""The public surface of pipeline.alerts is explicit and stays importable."""

import pipeline.alerts as alerts

PUBLIC = """
OUTBOX_TOOL PLAYBOOK_IDS SEVERITIES AlertCandidate AlertEngine AlertRoutingConfig AlertRule AlertRulesConfig
AlertScheduleSettings AlertScheduler AlertSummary AlertsCollector AlertsSummary Detector EvaluationReport
InhibitRule Inhibitor Matcher NotifiedGroup Notification PrecisionReport PrecisionRow ReviewRef Route
ScheduledEvaluation SentNotification Silence add_silence alert_fingerprint alert_labels alert_precision
build_alert_engine build_alert_scheduler expire_silence list_silences load_alert_routing load_alert_rules
record_feedback render_notification summarize_alerts
"""


def test_every_public_name_is_exported_once_and_importable():
    assert len(alerts.__all__) == len(set(alerts.__all__))
    for name in alerts.__all__:
        assert getattr(alerts, name) is not None


def test_the_public_surface_is_pinned():
    assert set(alerts.__all__) == set(PUBLIC.split())
