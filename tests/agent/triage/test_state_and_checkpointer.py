"""The graph state round-trips through both checkpointers (strict msgpack) as the same typed records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.triage import (
    CheckpointSettings,
    GateOutcome,
    Hypothesis,
    IncidentFacts,
    PlannedAction,
    TriageContext,
    checkpoint_url,
    open_checkpointer,
)
from agent.triage.checkpointer import strict_serializer
from agent.triage.service import thread_id_for
from tests.agent.triage.conftest import World


def test_a_paused_threads_state_round_trips_as_plain_json_into_the_same_records(any_world: World) -> None:
    any_world.zipper_cluster()
    with any_world.service() as service:
        service.run()
        thread = thread_id_for("sku=JKT-0125|topic=product_quality.defect")
        written = service.graph.get_state(service.config(thread)).values
    with open_checkpointer(any_world.checkpoint) as fresh, any_world.service() as reopened:
        assert fresh.get_tuple(reopened.config(thread)) is not None
        values = reopened.graph.get_state(reopened.config(thread)).values
    assert values == written == json.loads(json.dumps(values))  # nothing but JSON-native values
    IncidentFacts.model_validate(values["incident"])
    assert TriageContext.model_validate(values["context"]).evidence
    assert Hypothesis.model_validate(values["hypothesis"]).root_cause == "supplier_batch_defect"
    planned = [PlannedAction.model_validate(a) for a in values["actions"]]
    assert [p.action.tool for p in planned] == ["notify_qa", "request_sample_inspection", "open_ticket"]
    outcomes = {key: GateOutcome.model_validate(o) for key, o in values["outcomes"].items()}
    assert sorted(o.result for o in outcomes.values()) == ["auto", "auto"]


def test_the_strict_serializer_keeps_records_exactly() -> None:
    serde = strict_serializer()
    state = {"hypothesis": {"confidence": 0.8, "evidence_ids": ["a", "b"], "summary": "ü ✓"}, "n": [1, 2.5, None]}
    assert serde.loads_typed(serde.dumps_typed(state)) == state


def test_the_checkpoint_url_defaults_to_a_file_under_home_or_the_postgres_database(tmp_path: Path) -> None:
    assert (
        checkpoint_url(CheckpointSettings(home=tmp_path)) == f"sqlite:///{tmp_path.resolve()}/triage_checkpoints.sqlite"
    )
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/x"
    assert checkpoint_url(CheckpointSettings(home=tmp_path, database_url=pg)) == pg
    sqlite_db = f"sqlite:///{tmp_path}/db.sqlite"
    assert checkpoint_url(CheckpointSettings(home=tmp_path, database_url=sqlite_db)).endswith(
        "triage_checkpoints.sqlite"
    )
    explicit = CheckpointSettings(home=tmp_path, checkpoint_url="sqlite:////var/x.sqlite")
    assert checkpoint_url(explicit) == "sqlite:////var/x.sqlite"


def test_an_unknown_checkpoint_url_is_refused_with_what_to_set() -> None:
    with pytest.raises(ValueError, match="REVIEWOPS_CHECKPOINT_URL"), open_checkpointer("redis://127.0.0.1"):
        pass


@pytest.mark.postgres
def test_postgres_checkpointer_sets_up_once_and_lends_autocommit_dict_row_connections(postgres_url: str) -> None:
    from psycopg.rows import dict_row

    with open_checkpointer(postgres_url) as saver:
        pool = saver.conn  # type: ignore[attr-defined]
        with pool.connection() as conn:
            assert conn.autocommit and conn.row_factory is dict_row
            tables = {row["tablename"] for row in conn.execute("select tablename from pg_tables")}
        assert {"checkpoints", "checkpoint_writes", "checkpoint_migrations"} <= tables
    with open_checkpointer(postgres_url) as again:  # a second open does not set up again, and still works
        assert again.get_tuple({"configurable": {"thread_id": "none", "checkpoint_ns": ""}}) is None
