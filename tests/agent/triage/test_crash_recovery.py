"""A crash between approval and delivery is finished by the next process: one outbox row, one delivery."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from tests.agent.triage.conftest import REPO_ROOT_FOR_SUBPROCESS, World


class Crash(RuntimeError):
    pass


def crash_after_enqueue(row_ids: Sequence[int]) -> None:
    raise Crash(f"the process dies after storing outbox rows {list(row_ids)}")


def inspections(world: World) -> list[str]:
    return [row.status for row in world.outbox() if row.tool == "request_sample_inspection"]


def delivered_inspections(world: World) -> int:
    return [line["payload"]["type"] for line in world.delivered("qa")].count("qa.sample_inspection")


def test_a_node_crash_after_the_outbox_write_is_resumed_without_a_second_delivery(any_world: World) -> None:
    any_world.zipper_cluster()
    with any_world.service() as service:
        service.run()
        [gate] = [p for p in service.pending_approvals() if p.tool == "request_sample_inspection"]
    with any_world.service(after_enqueue=crash_after_enqueue) as doomed:
        report = doomed.decide(gate.approval_id, "approve", actor="qa-ann", role="qa_lead")
    assert report.thread_status == "failed"
    assert inspections(any_world) == ["pending"] and delivered_inspections(any_world) == 0
    with any_world.service() as restarted:
        recovered = restarted.recover()
        restarted.recover()
        restarted.run()
    assert recovered  # the failed thread was continued from its checkpoint
    assert inspections(any_world) == ["delivered"] and delivered_inspections(any_world) == 1


KILLER = """
import os, sys
from pathlib import Path
from store.settings import Settings
from agent.triage import open_triage_service

settings = Settings(home=Path(sys.argv[1]), shared_csv=Path(sys.argv[1]) / "none.csv")
def die(row_ids):
    os._exit(137)  # like SIGKILL: no cleanup, no rollback of what is already committed
with open_triage_service(settings, use_llm=False, checkpoint=sys.argv[2], after_enqueue=die) as service:
    service.decide(sys.argv[3], "approve", actor="qa-ann", role="qa_lead")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="uses os._exit in a child process")
def test_a_process_killed_between_approval_and_delivery_delivers_once_after_restart(world: World) -> None:
    world.zipper_cluster()
    with world.service() as service:
        service.run()
        [gate] = [p for p in service.pending_approvals() if p.tool == "request_sample_inspection"]
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLER), str(world.settings.home), world.checkpoint, gate.approval_id],
        cwd=REPO_ROOT_FOR_SUBPROCESS,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT_FOR_SUBPROCESS)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 137, child.stderr[-2000:]
    assert inspections(world) == ["pending"] and delivered_inspections(world) == 0
    with world.service() as too_soon:  # the dead worker still holds the thread's lease: nobody runs it twice
        too_soon.run()
    assert inspections(world) == ["pending"]
    later = lambda: datetime.now(UTC) + timedelta(minutes=6)  # noqa: E731  (the dead worker's lease has expired)
    with world.service(wall_clock=later) as restarted:
        restarted.run()
        assert restarted.pending_approvals() == []
    assert inspections(world) == ["delivered"] and delivered_inspections(world) == 1


def test_a_thread_that_died_before_its_first_checkpoint_is_started_again(world: World) -> None:
    world.safety_report()
    with world.service() as dying:
        # The process dies right after intake, before the graph writes its first checkpoint.
        dying.drive = lambda *args, **kwargs: "failed"  # type: ignore[method-assign]
        dying.run()
        assert dying.pending_approvals() == []
    with world.service() as restarted:
        assert restarted.recover()
        pending = restarted.pending_approvals()
    assert len(pending) == 5 and all(set(p.roles) <= {"qa_lead", "legal"} for p in pending)  # flags survived
