"""The fast scorer as a stage: which artifact (given, current, or trained for the run) scores each case."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.scorer import FastScorer, ScorerNotTrainedError, load_current, train_scorer
from eval.cache import CaseContext
from eval.dataset import Case, Dataset
from eval.registry import stage
from eval.runlog import StageIdentity
from eval.stages.base import EVAL_CLOCK, Stage, StageContext
from store.schemas import ReviewScore

__all__ = ["FastScorerStage", "resolve_scorer", "score_output"]

_TRAIN_LOCK = threading.Lock()


def resolve_scorer(ctx: StageContext) -> tuple[FastScorer, dict[str, Any]]:
    """The scorer to evaluate and where it came from.

    `--model PATH` (an artifact folder or a models folder with CURRENT) wins; else the current scorer under
    REVIEWOPS_HOME/models; else one trained for this run into `<run>/models` (seed set + the real CSV's train
    split when present, as `reviewops train` does), which a resumed run reuses.
    """
    if ctx.model:
        path = Path(ctx.model)
        scorer = FastScorer.load(path) if (path / "manifest.json").is_file() else load_current(path)
        return scorer, {"source": "--model", "path": str(path)}
    try:
        return load_current(ctx.settings.models_dir), {"source": "REVIEWOPS_HOME", "path": str(ctx.settings.models_dir)}
    except ScorerNotTrainedError:
        pass
    run_models = ctx.run_dir / "models"
    with _TRAIN_LOCK:
        try:
            return load_current(run_models), {"source": "trained for this run", "path": str(run_models)}
        except ScorerNotTrainedError:
            from pipeline.factory import shared_csv_path

            csv_path = shared_csv_path(ctx.settings)
            result = train_scorer(ctx.settings.seed_dir / "labeled_reviews.jsonl", run_models, csv_path)
            details = {
                "source": "trained for this run",
                "path": str(run_models),
                "train_seconds": result.seconds,
                "csv": str(csv_path) if csv_path else None,
            }
            return load_current(run_models), details


def scorer_identity(stage_name: str, scorer: FastScorer, details: dict[str, Any]) -> StageIdentity:
    """The identity of a scorer artifact: its version, code and lexicon versions, and training inputs."""
    manifest = scorer.manifest
    inputs = manifest.get("inputs", {})
    return StageIdentity(
        stage=stage_name,
        model=scorer.version,
        versions={
            "scorer": scorer.version,
            "scorer_code": str(manifest.get("code_version")),
            "lexicon": str(manifest.get("lexicon_version")),
        },
        details={**details, "trained_on_csv": inputs.get("csv_path"), "counts": manifest.get("counts", {})},
    )


def score_output(scorer: FastScorer, score: ReviewScore) -> dict[str, Any]:
    """A ReviewScore as a flat JSON output (probabilities rounded to 6 digits)."""
    return {
        "sentiment": score.sentiment.value,
        "sentiment_confidence": round(score.sentiment_confidence, 6),
        "urgency": score.urgency.value,
        "urgency_confidence": round(score.urgency_confidence, 6),
        "topics": [t.label for t in score.topics],
        "topic_confidence": {t.label: round(t.confidence, 6) for t in score.topics},
        "flags": scorer.raised_flags(score),
        "flag_probabilities": {k: round(v, 6) for k, v in score.flags.items()},
        "flag_rules": score.flag_rules,
    }


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


@stage("fast_scorer")
class FastScorerStage(Stage):
    """Scores `input.title` + `input.text`.

    Output: sentiment, sentiment_confidence, urgency, urgency_confidence, topics, flags (raised), probabilities.
    """

    Args = _Args
    batch_size = 256

    def prepare(self, dataset: Dataset) -> StageIdentity:
        self.scorer, details = resolve_scorer(self.ctx)
        return scorer_identity("fast_scorer", self.scorer, details)

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        items = [(c.id, str(c.input.get("title") or ""), str(c.input["text"]), c.input.get("rating")) for c in cases]
        return [score_output(self.scorer, s) for s in self.scorer.score_batch(items, EVAL_CLOCK)]
