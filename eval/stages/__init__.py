"""Registered stages under test; every module in this package registers its stage on import (`eval.registry`).

Built in: `fast_scorer`, `router`, `retrieval`, `triage_safety`, `agent_hypothesis`, `agent_topics`, `chat` and
`alert_detection`;
a new stage plugs in the same way (see docs/eval.md, "Adding a stage").
"""

from eval.stages.base import EVAL_CLOCK, Stage, StageContext

__all__ = ["EVAL_CLOCK", "Stage", "StageContext"]
