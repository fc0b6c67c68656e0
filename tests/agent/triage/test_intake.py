"""Specification of queue intake: one incident per cluster, attach to open incidents, every review accounted for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from agent.llm import LLMUnavailable
from agent.triage import thread_id_for
from store.incident_tables import Incident, IncidentReview
from store.incidents import incident_key, open_or_get
from store.tables import RouteDecisionRow
from store.triage_tables import TriageReviewRow, TriageThreadRow
from tests.agent.triage.conftest import T0, World, fake_model


def incidents(world: World) -> list[Incident]:
    with world.db.session() as session:
        return list(session.scalars(select(Incident).order_by(Incident.opened_at)))


def outcomes(world: World) -> dict[str, str]:
    with world.db.session() as session:
        return dict(session.execute(select(TriageReviewRow.review_id, TriageReviewRow.outcome)).tuples().all())


def test_the_same_cluster_never_spawns_two_incidents_across_batches_and_restarts(world: World) -> None:
    first = world.zipper_cluster(6)
    with world.service() as service:
        service.run()
    later = [world.add_review("The zipper broke again.", created_at=T0 + timedelta(hours=h)) for h in (1, 2)]
    with world.service() as restarted:
        report = restarted.run()
        restarted.run()
    [incident] = incidents(world)
    assert incident.key == "sku=JKT-0125|topic=product_quality.defect"
    assert report.outcomes == {"attached": 2} and report.incidents_opened == []
    with world.db.session() as session:
        attached = set(
            session.scalars(select(IncidentReview.review_id).where(IncidentReview.incident_id == incident.id))
        )
        threads = session.scalar(select(func.count()).select_from(TriageThreadRow))
    assert set(first) | set(later) <= attached
    assert threads == 1  # new evidence joins the waiting thread; it does not start another triage


def test_the_thread_id_is_derived_from_the_incident_key(world: World) -> None:
    world.zipper_cluster(6)
    with world.service() as service:
        service.run()
        [pending] = [p for p in service.pending_approvals() if p.tool == "request_sample_inspection"]
    assert pending.thread_id == thread_id_for("sku=JKT-0125|topic=product_quality.defect")
    assert pending.thread_id == "incident:sku=JKT-0125|topic=product_quality.defect"


def test_reviews_of_an_incident_the_alert_engine_opened_attach_to_it_and_it_gets_triaged(world: World) -> None:
    key = incident_key({"sku": "JKT-0125"}, "product_quality.defect")
    with world.db.session() as session:
        opened, _ = open_or_get(session, key, {"sku": "JKT-0125"}, "product_quality.defect", "medium",
                                "quality-eng", datetime.now(UTC), opened_by="alerts")  # fmt: skip
    review = world.add_review("Zipper broke on day one.", created_at=T0)
    with world.service() as service:
        report = service.run()
        pending = service.pending_approvals()
    assert [i.id for i in incidents(world)] == [opened.id]
    assert report.outcomes == {"attached": 1}
    assert outcomes(world) == {review: "attached"}
    assert [p.incident_id for p in pending] == [opened.id]


def test_a_sibling_topic_in_the_same_scope_joins_the_open_incident(world: World) -> None:
    world.zipper_cluster(6)
    with world.service() as service:
        service.run()
    worn = world.add_review("Fell apart after two washes.", created_at=T0, topic="product_quality.durability")
    with world.service() as service:
        service.run()
    assert len(incidents(world)) == 1 and outcomes(world)[worn] == "attached"


def test_a_small_cluster_is_recorded_below_threshold_and_no_incident_is_opened(world: World) -> None:
    ids = world.zipper_cluster(2)
    with world.service() as service:
        report = service.run()
    assert incidents(world) == [] and report.outcomes == {"below_threshold": 2}
    assert outcomes(world) == dict.fromkeys(ids, "below_threshold")
    with world.db.session() as session:
        statuses = set(session.scalars(select(RouteDecisionRow.queue_status)))
    assert statuses == {"done"}


def test_one_credible_safety_report_opens_an_incident_keyed_by_the_flag(world: World) -> None:
    world.safety_report()
    with world.service() as service:
        service.run()
    [incident] = incidents(world)
    assert incident.key == "sku=CHG-0091|topic=safety_hazard" and incident.owner == "qa-safety"


def test_reviews_without_a_topic_are_recorded_not_dropped(world: World) -> None:
    vague = world.add_review("Meh. Not what I hoped.", created_at=T0, topic=None)
    with world.service() as service:
        report = service.run()
    assert report.outcomes == {"no_topic": 1} and outcomes(world) == {vague: "no_topic"}


def test_with_no_model_answering_the_incident_gets_a_rules_hypothesis_and_the_reviews_are_kept(world: World) -> None:
    ids = world.zipper_cluster(6)
    down = fake_model(httpx.ConnectError("connection refused"))
    with world.service(model=down) as service:
        service.deps.llm_backoff_seconds = 0
        service.run()
        [gate] = [p for p in service.pending_approvals() if p.tool == "request_sample_inspection"]
    assert gate.hypothesis is not None and gate.hypothesis["generated_by"] == "rules"
    assert gate.hypothesis["evidence_ids"] and set(gate.hypothesis["evidence_ids"]) <= set(ids)
    assert "6 reviews about Defect" in gate.hypothesis["summary"]
    assert set(outcomes(world)) == set(ids)


def test_a_model_that_cannot_even_start_degrades_to_rules(world: World) -> None:
    def unavailable() -> None:
        raise LLMUnavailable("local server missing", model="local:x", attempts=0)

    world.zipper_cluster(6)
    with world.service(model=unavailable) as service:
        service.run()
        [gate] = [p for p in service.pending_approvals() if p.tool == "request_sample_inspection"]
    assert gate.hypothesis is not None and gate.hypothesis["generated_by"] == "rules"


def test_run_takes_the_queue_in_order_in_batches_up_to_a_limit_or_all_of_it(world: World) -> None:
    ids = world.zipper_cluster(7)
    with world.service() as service:
        first = service.run(limit=3, batch=2)
        rest = service.run(batch=2)
    assert first.claimed == 3 and rest.claimed == 4
    assert set(outcomes(world)) == set(ids)
    assert first.outcomes == {"below_threshold": 3}  # the oldest three alone are not yet a cluster of five
    assert rest.outcomes == {"new_incident": 2, "attached": 2}
