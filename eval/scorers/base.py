"""The scorer interface: judge each case, then aggregate the per-case values into metrics (resampled for intervals)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel

from eval.cache import CaseContext
from eval.runlog import CaseRecord, CaseScore
from eval.stats import MetricFn

__all__ = ["MissingFieldError", "Scorer", "field_value", "safe_div"]


class MissingFieldError(KeyError):
    """A scorer looked for a field the stage output or the case target does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def field_value(data: Mapping[str, Any] | None, path: str, where: str) -> Any:
    """`data[a][b]` for the dotted `path` `a.b`; a missing key raises naming `where` and the keys that exist."""
    current: Any = data or {}
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            keys = sorted(current) if isinstance(current, Mapping) else type(current).__name__
            raise MissingFieldError(f"{where} has no field {path!r} (found {keys})")
        current = current[part]
    return current


def safe_div(numerator: float, denominator: float) -> float:
    """numerator / denominator, 0.0 when the denominator is 0 (scikit-learn's zero_division=0)."""
    return float(numerator) / float(denominator) if denominator else 0.0


class Scorer(ABC):
    """A registered scorer; subclasses set `Args` (validated from the suite) and implement `score`/`metric_fn`."""

    Args: ClassVar[type[BaseModel]]

    def __init__(self, name: str, args: BaseModel) -> None:
        self.name = name
        self.args = args

    @abstractmethod
    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        """Judge one case from its input, target and the stage's output."""

    @abstractmethod
    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        """A function from case indices (a resample) to this scorer's metrics over those cases."""

    def metrics(self, scores: Sequence[CaseScore]) -> dict[str, float]:
        """Metrics over every case (names without the scorer prefix)."""
        return self.metric_fn(scores)(np.arange(len(scores)))

    def details(self, scores: Sequence[CaseScore]) -> dict[str, Any]:
        """Data for the report's charts (confusion matrices, reliability bins); empty by default."""
        return {}

    def prompt_versions(self) -> dict[str, str]:
        """Prompt ref -> digest of any prompt this scorer sends to a model (recorded in the run log)."""
        return {}
