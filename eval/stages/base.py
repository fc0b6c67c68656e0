"""The stage-under-test interface (Inspect AI's solver): prepare once, then turn batches of cases into outputs.

To evaluate a new stage (agent hypothesis, playbook choice, approval safety, chat, alert detection), add a module
to `eval/stages/` with a `@stage("name")` subclass of `Stage`, then write a suite whose `stage.name` is that name.
Outputs are plain JSON dicts; document their fields in the class docstring, since scorers read them by name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from eval.cache import CaseContext
from eval.dataset import Case, Dataset
from eval.runlog import StageIdentity
from store.settings import Settings

__all__ = ["EVAL_CLOCK", "Stage", "StageContext"]

EVAL_CLOCK = datetime(2026, 11, 1, tzinfo=UTC)
"""The `now` stages stamp on outputs: fixed, so a re-run's outputs are byte-identical."""


@dataclass
class StageContext:
    """What the runner gives a stage: where to write, the settings, the seed and the models to use."""

    run_dir: Path
    """The run's folder; artifacts every suite of the run may share go here (e.g. `models/`)."""
    work_dir: Path
    """This suite's scratch folder, removed when the suite ends."""
    settings: Settings
    seed: int
    suite_dir: Path
    """Folder of the suite file; relative paths in stage args start here."""
    model: str | None = None
    """The `--model` given for this stage (its meaning is the stage's: an artifact path, an embedder, ...).
    LLM stages get the chat model it names through `calls.chat("model")` in `solve`, cached and accounted."""


class Stage(ABC):
    """A registered stage adapter; `Args` validates its `args:` block, `batch_size` cases go to one `solve`."""

    Args: ClassVar[type[BaseModel]]
    batch_size: ClassVar[int] = 1
    """Cases per `solve` call: large for vectorized stages, 1 for LLM stages (usage is charged per call)."""

    def __init__(self, args: BaseModel, ctx: StageContext) -> None:
        self.args = args
        self.ctx = ctx

    @abstractmethod
    def prepare(self, dataset: Dataset) -> StageIdentity:
        """Load or build what the stage needs (a model, an index) and say exactly which model and versions."""

    @abstractmethod
    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        """One JSON-serializable output per case, in order; must be safe to call from several threads."""

    def close(self) -> None:  # noqa: B027 - optional hook, most stages hold nothing to release
        """Release what `prepare` opened."""
