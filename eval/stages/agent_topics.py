"""The cascade's topics, then the chat model's for the reviews the cascade could not place (issue 14, item 7).

Mirrors the triage service with `model_topics` on: a review without a confident cascade topic is offered to the
model under test (`--model agent_topics=local|openai:...`) with the taxonomy's leaves enumerated. Without `--model`
the stage reports the cascade alone, so one suite measures whether the model beats the cascade.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.llm import LLMError
from agent.triage.topic_labeler import TOPIC_LABEL_PROMPT, label_topic, topic_menu
from eval.cache import CaseContext
from eval.dataset import Case, Dataset
from eval.registry import stage
from eval.runlog import StageIdentity
from eval.stages._chat import CachedChatModel
from eval.stages.base import EVAL_CLOCK, Stage
from eval.stages.fast_scorer import build_cascade, cascade_items, resolve_scorer, scorer_identity
from prompts import load_prompt
from store.taxonomy import load_taxonomy

__all__ = ["AgentTopicsStage"]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    min_confidence: float = 0.5
    """A cascade topic at or above this places the review (the router's `min_topic_confidence`)."""


@stage("agent_topics")
class AgentTopicsStage(Stage):
    """Output: `topics` (the cascade's, or the model's leaf where the cascade had none), `cascade_topics`,
    `asked_model` (bool), `model_topic` (a leaf or null), `model_error` (null or the failure)."""

    Args = _Args
    args: _Args
    batch_size = 1

    def prepare(self, dataset: Dataset) -> StageIdentity:
        # `--model` names the chat model under test here, never a scorer artifact.
        self.scorer, details = resolve_scorer(dataclasses.replace(self.ctx, model=None))
        self.cascade = build_cascade(self.ctx, self.scorer)
        taxonomy = load_taxonomy(self.ctx.settings.config_dir / "taxonomy.yaml")
        self.menu = topic_menu(taxonomy)
        identity = scorer_identity("agent_topics", self.scorer, details)
        identity.model = self.ctx.model or "cascade"
        identity.versions["taxonomy"] = taxonomy.version
        prompt = load_prompt(*TOPIC_LABEL_PROMPT)
        identity.prompts = {prompt.ref: prompt.digest}
        return identity

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        scores = self.cascade.score_batch(cascade_items(cases), EVAL_CLOCK)
        return [self._one(case, [t.label for t in s.topics if t.confidence >= self.args.min_confidence], calls)
                for case, s in zip(cases, scores, strict=True)]  # fmt: skip

    def _one(self, case: Case, placed: list[str], calls: CaseContext) -> dict[str, Any]:
        output: dict[str, Any] = {"topics": placed, "cascade_topics": placed, "asked_model": False,
                                  "model_topic": None, "model_error": None}  # fmt: skip
        if placed or not self.ctx.model:
            return output
        output["asked_model"] = True
        try:
            choice = label_topic(
                CachedChatModel.over(calls.chat("model")),
                str(case.input.get("title") or ""),
                str(case.input["text"]),
                self.menu,
            )
        except LLMError as err:
            output["model_error"] = type(err).__name__
            return output
        output["model_topic"] = choice.topic
        output["topics"] = [choice.topic] if choice.topic else []
        return output
