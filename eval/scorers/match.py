"""Text matching: the output equals, contains or matches (regex) the target or a fixed value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from eval.cache import CaseContext
from eval.registry import scorer
from eval.runlog import CaseRecord, CaseScore
from eval.scorers.base import Scorer, field_value, safe_div
from eval.stats import MetricFn

__all__ = ["MatchScorer"]

_SPACES = re.compile(r"\s+")


class MatchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    mode: Literal["exact", "contains", "regex"] = "exact"
    """exact: equal after normalizing; contains: the expected text occurs in the output; regex: re.search."""
    output: str
    """Output field to check."""
    target: str | None = None
    """Target field holding the expected text (or a list: any of them matches)."""
    value: str | None = None
    """A fixed expected text or pattern, instead of a target field."""
    ignore_case: bool = True
    normalize_whitespace: bool = True

    @model_validator(mode="after")
    def _one_expectation(self) -> MatchArgs:
        if (self.target is None) == (self.value is None):
            raise ValueError("give exactly one of target (a field) or value (a fixed text)")
        if self.mode == "regex" and self.value is not None:
            re.compile(self.value)
        return self


@scorer("match")
class MatchScorer(Scorer):
    """Per-case pass/fail of a text check; metric `accuracy`."""

    Args = MatchArgs
    args: MatchArgs

    def _norm(self, text: str) -> str:
        if self.args.normalize_whitespace:
            text = _SPACES.sub(" ", text).strip()
        return text.lower() if self.args.ignore_case and self.args.mode != "regex" else text

    def _matches(self, output: str, expected: str) -> bool:
        if self.args.mode == "regex":
            return re.search(expected, output, re.IGNORECASE if self.args.ignore_case else 0) is not None
        if self.args.mode == "contains":
            return self._norm(expected) in self._norm(output)
        return self._norm(expected) == self._norm(output)

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        output = str(field_value(record.output, self.args.output, "the stage output"))
        if self.args.value is not None:
            expected: list[str] = [self.args.value]
        else:
            raw = field_value(record.target, self.args.target or "", f"the target of case {record.case_id!r}")
            expected = [str(item) for item in raw] if isinstance(raw, list) else [str(raw)]
        passed = any(self._matches(output, item) for item in expected)
        explanation = "" if passed else f"{self.args.mode} {expected!r} not found in {output[:200]!r}"
        return CaseScore(value={"match": passed}, passed=passed, explanation=explanation)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        hits = np.array([s.value["match"] for s in scores], dtype=float)
        return lambda idx: {"accuracy": safe_div(hits[idx].sum(), len(idx))}
