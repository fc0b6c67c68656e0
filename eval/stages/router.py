"""The fast path's routing decision as a stage: score each case with the fast scorer, then route it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.router import reason_code, route_batch
from agent.scorer.cascade import CascadeItem
from eval.cache import CaseContext
from eval.dataset import Case, Dataset, resolve_data_path
from eval.registry import stage
from eval.runlog import StageIdentity
from eval.stages.base import EVAL_CLOCK, Stage
from eval.stages.fast_scorer import build_cascade, resolve_scorer, scorer_identity
from store.routing_config import load_routing_config
from store.schemas import Channel, CleanedReview
from store.taxonomy import load_taxonomy

__all__ = ["RouterStage", "review_from_input"]


def review_from_input(case: Case) -> CleanedReview:
    """A silver review from a case: a full CleanedReview dump (demo stream) or just title/text/rating/order_value."""
    if "dedup_key" in case.input:
        return CleanedReview.model_validate(case.input)
    return CleanedReview(
        review_id=case.id,
        source="eval",
        channel=Channel(case.input.get("channel") or "storefront"),
        sku=case.input.get("sku"),
        rating=case.input.get("rating"),
        title=str(case.input.get("title") or ""),
        text=str(case.input["text"]),
        language=str(case.input.get("language") or "en"),
        created_at=EVAL_CLOCK,
        received_at=EVAL_CLOCK,
        cleaned_at=EVAL_CLOCK,
        order_value=case.input.get("order_value"),
        dedup_key=case.id,
    )


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    routing: str | None = None
    """Routing thresholds YAML (relative to the suite file or `${repo}/...`); default config/routing.yaml."""
    taxonomy: str | None = None
    """Taxonomy YAML; default config/taxonomy.yaml."""
    active_incident_skus: list[str] = Field(default_factory=list)
    """SKUs with an open incident (their reviews always go to the agent)."""


@stage("router")
class RouterStage(Stage):
    """Output: route (agent/done), severity, reasons, reason_codes, and the scorer's sentiment and raised flags."""

    Args = _Args
    args: _Args
    batch_size = 256

    def _config_path(self, given: str | None, default: str) -> Path:
        if given is None:
            return self.ctx.settings.config_dir / default
        return resolve_data_path(given, self.ctx.suite_dir, self.ctx.settings) or Path(given)

    def prepare(self, dataset: Dataset) -> StageIdentity:
        self.scorer, details = resolve_scorer(self.ctx)
        self.cascade = build_cascade(self.ctx, self.scorer)
        self.routing = load_routing_config(self._config_path(self.args.routing, "routing.yaml"))
        self.taxonomy = load_taxonomy(self._config_path(self.args.taxonomy, "taxonomy.yaml"))
        identity = scorer_identity("router", self.scorer, details)
        identity.model = f"{self.scorer.version}+routing-{self.routing.version}"
        identity.versions.update(routing=self.routing.version, taxonomy=self.taxonomy.version)
        return identity

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        reviews = [review_from_input(c) for c in cases]
        items = [CascadeItem(r.review_id, r.title, r.text, r.rating, r.language) for r in reviews]
        scores = self.cascade.score_batch(items, EVAL_CLOCK)
        skus = frozenset(self.args.active_incident_skus)
        decisions = route_batch(
            reviews, scores, self.routing, self.taxonomy, skus, EVAL_CLOCK, understanding=self.cascade.config
        )
        return [
            {
                "route": d.route.value,
                "severity": d.severity.value,
                "reasons": d.reasons,
                "reason_codes": sorted({reason_code(r) for r in d.reasons}),
                "sentiment": s.sentiment.value,
                "stage": s.stage,
                "flags": self.scorer.raised_flags(s),
            }
            for d, s in zip(decisions, scores, strict=True)
        ]
