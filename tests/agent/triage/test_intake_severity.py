from agent.triage.intake import _urgency
from store.schemas import Urgency


def test_an_alerting_critical_incident_is_triaged_at_the_highest_urgency():
    assert _urgency("critical") is Urgency.high
    assert _urgency("medium") is Urgency.medium
