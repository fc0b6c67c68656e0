"""Owners' feedback gives precision per rule and topic; silences need matchers, a creator and a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.alerts import add_silence, alert_precision, expire_silence, list_silences, record_feedback
from store.alert_tables import AlertRow

T0 = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)


def alert(session, rule: str, topic: str) -> int:
    row = AlertRow(
        fingerprint=f"{rule}-{topic}", rule=rule, topic=topic, scope_kind="sku", scope="A", severity="medium",
        labels={}, state="firing", starts_at=T0, last_evaluated_at=T0, evidence={},
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def test_precision_per_rule_and_topic_uses_the_latest_verdict_and_flags_noisy_rules(db):
    with db.session() as s:
        noisy = [alert(s, "spike", f"t{i}") for i in range(3)]
        good = alert(s, "safety", "safety_hazard")
        unrated = alert(s, "spike", "t9")
        for alert_id in noisy:
            record_feedback(s, alert_id, "noise", "owner", T0)
        record_feedback(s, good, "noise", "owner", T0)
        record_feedback(s, good, "useful", "owner", T0 + timedelta(hours=1), note="changed my mind")
    with db.session() as s:
        report = alert_precision(s)
    by_rule = {row.key: row for row in report.by_rule}
    assert (by_rule["spike"].alerts, by_rule["spike"].rated, by_rule["spike"].precision) == (4, 3, 0.0)
    assert by_rule["spike"].noisy and not by_rule["safety"].noisy
    assert by_rule["safety"].precision == 1.0
    assert {row.key: row.precision for row in report.by_topic}["t9"] is None
    assert unrated


def test_feedback_on_an_unknown_alert_or_verdict_is_refused(db):
    with db.session() as s:
        with pytest.raises(KeyError, match="no alert 42"):
            record_feedback(s, 42, "useful", "owner", T0)
        with pytest.raises(ValueError, match="useful or noise"):
            record_feedback(s, alert(s, "r", "t"), "meh", "owner", T0)  # type: ignore[arg-type]


def test_a_silence_needs_matchers_a_creator_and_a_reason(db):
    with db.session() as s:
        with pytest.raises(ValueError, match="at least one matcher"):
            add_silence(s, [], "ops", "why", T0, timedelta(hours=1))
        with pytest.raises(ValueError, match="creator and a reason"):
            add_silence(s, ['sku="A"'], "ops", " ", T0, timedelta(hours=1))
        with pytest.raises(ValueError, match="expected a matcher"):
            add_silence(s, ["sku A"], "ops", "why", T0, timedelta(hours=1))


def test_silences_expire_on_time_or_on_demand(db):
    with db.session() as s:
        short = add_silence(s, ['sku="A"'], "ops", "known issue", T0, timedelta(hours=1))
        long = add_silence(s, ['topic=~"sizing_fit.*"'], "ops", "size chart being fixed", T0, timedelta(days=2))
    with db.session() as s:
        assert [x.id for x in list_silences(s, T0 + timedelta(minutes=30))] == [long.id, short.id]
        assert [x.id for x in list_silences(s, T0 + timedelta(hours=2))] == [long.id]
        ended = expire_silence(s, long.id, T0 + timedelta(hours=3))
        assert ended.ends_at == T0 + timedelta(hours=3)
        assert list_silences(s, T0 + timedelta(hours=4)) == []
        assert len(list_silences(s, T0 + timedelta(hours=4), include_expired=True)) == 2
