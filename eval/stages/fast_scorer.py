"""The fast scorer as a stage: which artifact (given, current, or trained for the run) scores each case."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agent.scorer import FastScorer, ScorerNotTrainedError, load_current, train_scorer
from agent.scorer.cascade import CascadeItem, ScoringCascade
from agent.scorer.encoder import E5Encoder
from eval.cache import CaseContext
from eval.dataset import Case, Dataset
from eval.registry import stage
from eval.runlog import StageIdentity
from eval.stages.base import EVAL_CLOCK, Stage, StageContext
from store.schemas import ReviewScore
from store.understanding_config import load_understanding_config

__all__ = ["FastScorerStage", "build_cascade", "cascade_items", "resolve_scorer", "score_output"]

_TRAIN_LOCK = threading.Lock()


Domain = Literal["clothing", "food"]


def _train_on_domains(ctx: StageContext, domains: Sequence[Domain]) -> tuple[FastScorer, dict[str, Any]]:
    """A scorer trained for this run on the seed set + only the named star-rated domains (a cross-domain split)."""
    from pipeline.factory import semantic_training, shared_csv_path, shared_food_csv_path

    run_models = ctx.run_dir / ("models-" + "+".join(sorted(domains)))
    with _TRAIN_LOCK:
        try:
            return load_current(run_models), {"source": "trained for this run", "domains": list(domains)}
        except ScorerNotTrainedError:
            result = train_scorer(
                ctx.settings.seed_dir / "labeled_reviews.jsonl",
                run_models,
                shared_csv_path(ctx.settings) if "clothing" in domains else None,
                food_path=shared_food_csv_path(ctx.settings) if "food" in domains else None,
                semantic=semantic_training(ctx.settings),
            )
            details = {"source": "trained for this run", "domains": list(domains), "train_seconds": result.seconds}
            return load_current(run_models), details


def resolve_scorer(ctx: StageContext, domains: Sequence[Domain] | None = None) -> tuple[FastScorer, dict[str, Any]]:
    """The scorer to evaluate and where it came from.

    `domains` (a cross-domain suite) trains one on the seed set + those domains only. Else `--model PATH` (an
    artifact folder or a models folder with CURRENT) wins; else the current scorer under REVIEWOPS_HOME/models;
    else one trained for this run into `<run>/models` (seed set + the real CSVs' train splits when present, as
    `reviewops train` does), which a resumed run reuses.
    """
    if domains:
        return _train_on_domains(ctx, domains)
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
            from pipeline.factory import semantic_training, shared_csv_path, shared_food_csv_path

            csv_path = shared_csv_path(ctx.settings)
            result = train_scorer(
                ctx.settings.seed_dir / "labeled_reviews.jsonl",
                run_models,
                csv_path,
                food_path=shared_food_csv_path(ctx.settings) if ctx.settings.semantic_stage else None,
                semantic=semantic_training(ctx.settings),
            )
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
            "lexicon_multilingual": str(manifest.get("multilingual_lexicon_version")),
        },
        details={**details, "trained_on_csv": inputs.get("csv_path"), "counts": manifest.get("counts", {})},
    )


def build_cascade(ctx: StageContext, scorer: FastScorer) -> ScoringCascade:
    """The scorer inside the product's cascade (the semantic stage runs when the artifact has its heads)."""
    encoder = E5Encoder(threads=ctx.settings.semantic_threads) if ctx.settings.semantic_stage else None
    return ScoringCascade(scorer, load_understanding_config(ctx.settings.config_dir / "understanding.yaml"), encoder)


def cascade_items(cases: Sequence[Case]) -> list[CascadeItem]:
    """Cases as cascade input; `input.language` (default `en`) says which language the cleaner would have tagged."""
    return [
        CascadeItem(
            c.id,
            str(c.input.get("title") or ""),
            str(c.input["text"]),
            c.input.get("rating"),
            str(c.input.get("language") or "en"),
        )
        for c in cases
    ]


def score_output(scorer: FastScorer, score: ReviewScore) -> dict[str, Any]:
    """A ReviewScore as a flat JSON output (probabilities rounded to 6 digits)."""
    return {
        "stage": score.stage,
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
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    train_on: list[Domain] | None = None
    """Train a scorer for this suite on the seed set + only these star-rated domains (cross-domain splits)."""
    cascade: bool = True
    """Score through the product's cascade (first pass + semantic stage); false scores with the first pass alone."""


@stage("fast_scorer")
class FastScorerStage(Stage):
    """Scores `input.title` + `input.text`.

    Output: sentiment, sentiment_confidence, urgency, urgency_confidence, topics, flags (raised), probabilities.
    """

    Args = _Args
    args: _Args
    batch_size = 256

    def prepare(self, dataset: Dataset) -> StageIdentity:
        self.scorer, details = resolve_scorer(self.ctx, self.args.train_on)
        self.cascade = build_cascade(self.ctx, self.scorer) if self.args.cascade else None
        identity = scorer_identity("fast_scorer", self.scorer, details)
        identity.versions["cascade"] = self.cascade.config.version if self.cascade else "first_pass_only"
        return identity

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        items = cascade_items(cases)
        if self.cascade is not None:
            scores = self.cascade.score_batch(items, EVAL_CLOCK)
        else:
            scores = self.scorer.score_batch([(i.review_id, i.title, i.text, i.rating) for i in items], EVAL_CLOCK)
        return [score_output(self.scorer, s) for s in scores]
