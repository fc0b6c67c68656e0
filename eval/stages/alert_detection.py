"""Alert detection over generated streams: each case is a stream replayed through the real loop and alert scheduler.

A case's input names a stream (`lab.demo.stream.generate_stream` arguments: seed, days, skus, reviews_per_day,
incidents); the stage replays it on simulated time in a private home (the loop keeps gold current, alerts are
evaluated and delivered through the outbox every `every_minutes`) and grades the alerting against the stream's
ground truth (lab/alerts/grading.py). Scorers: `alert_detection`, `alert_delay`, `false_alerts`
(eval/scorers/alerts.py).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eval.cache import CaseContext
from eval.dataset import Case, Dataset
from eval.registry import stage
from eval.runlog import StageIdentity
from eval.stages.base import Stage
from eval.stages.fast_scorer import resolve_scorer
from lab.alerts.bench import StreamSpec, run_stream
from pipeline.alerts.routing import load_alert_routing
from pipeline.alerts.rules import load_alert_rules
from store.db import Database
from store.settings import Settings
from store.taxonomy import load_taxonomy

__all__ = ["AlertDetectionStage"]

_MIGRATIONS = threading.Lock()


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    batch_minutes: int = Field(default=15, ge=1)
    """Micro-batches of received time; each is followed by an alert evaluation."""
    every_minutes: int = Field(default=15, ge=1)
    """Evaluations at least this often in quiet stretches (the scoring cycle the safety target is counted in)."""
    rules: str | None = None
    """Another alert_rules.yaml to evaluate (relative to the suite file); config/alert_rules.yaml by default."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@stage("alert_detection")
class AlertDetectionStage(Stage):
    """Output per stream: `incidents` (per injected incident: detected_once, groups, right_owner, receivers, rule,
    rate_rule and `hours_after_*` delays), `false_groups`, `sku_days`, `safety_cycles`, `delays`, `evaluations`."""

    Args = _Args
    args: _Args
    batch_size = 1

    def prepare(self, dataset: Dataset) -> StageIdentity:
        scorer, details = resolve_scorer(self.ctx)
        self.models = self._models_dir(scorer.version, Path(details["path"]))
        settings = self.ctx.settings
        self.config_dir = settings.config_dir
        if self.args.rules is not None:
            rules = (self.ctx.suite_dir / self.args.rules).resolve()
            self.config_dir = self.ctx.work_dir / "config"
            shutil.copytree(settings.config_dir, self.config_dir, dirs_exist_ok=True)
            shutil.copyfile(rules, self.config_dir / "alert_rules.yaml")
        taxonomy = load_taxonomy(self.config_dir / "taxonomy.yaml")
        rules_config = load_alert_rules(self.config_dir / "alert_rules.yaml", taxonomy)
        routing = load_alert_routing(self.config_dir / "alert_routing.yaml")
        return StageIdentity(
            stage="alert_detection",
            model=f"{scorer.version}+rules-{rules_config.version}+routing-{routing.version}",
            versions={
                "scorer": scorer.version,
                "alert_rules": rules_config.version,
                "alert_routing": routing.version,
                "taxonomy": taxonomy.version,
            },
            details={
                **details,
                "rules_sha256": _digest(self.config_dir / "alert_rules.yaml"),
                "batch_minutes": self.args.batch_minutes,
                "every_minutes": self.args.every_minutes,
            },
        )

    def _models_dir(self, version: str, path: Path) -> Path:
        """A models folder whose CURRENT names the scorer under test (the loop loads `<home>/models`)."""
        if not (path / "manifest.json").is_file():
            return path.resolve()
        models = self.ctx.work_dir / "models"
        models.mkdir(parents=True, exist_ok=True)
        link = models / version
        if not link.exists():
            link.symlink_to(path.resolve(), target_is_directory=True)
        (models / "CURRENT").write_text(version, encoding="utf-8")
        return models

    def _settings(self, case: Case) -> Settings:
        home = self.ctx.work_dir / "streams" / case.id
        if home.exists():  # a resumed run replays the stream from scratch
            shutil.rmtree(home)
        home.mkdir(parents=True)
        (home / "models").symlink_to(self.models, target_is_directory=True)
        return self.ctx.settings.model_copy(update={"home": home, "database_url": None, "config_dir": self.config_dir})

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        outputs = []
        for case in cases:
            spec = StreamSpec(
                **{
                    k: case.input[k]
                    for k in ("seed", "days", "skus", "reviews_per_day", "incidents")
                    if k in case.input
                },
                batch_minutes=self.args.batch_minutes,
                every_minutes=self.args.every_minutes,
            )
            settings = self._settings(case)
            with _MIGRATIONS:  # alembic's migration context is process-global: one migration at a time
                db = Database.from_settings(settings)
            result = run_stream(settings, spec, db)
            rate_rules = {
                r.id for r in load_alert_rules(self.config_dir / "alert_rules.yaml").rules if r.kind == "rate"
            }
            shutil.rmtree(settings.home, ignore_errors=True)
            outputs.append(
                {
                    "incidents": [
                        {
                            **i.model_dump(mode="json", include=_INCIDENT_FIELDS),
                            "detected_once": i.detected_once,
                            "rate_rule": i.rule in rate_rules,
                        }
                        for i in result.incidents
                    ],
                    "false_groups": result.false_groups,
                    "sku_days": result.sku_days,
                    "per_1000_sku_days": result.per_1000_sku_days,
                    "safety_cycles": result.safety_cycles,
                    "delays": {name: summary.model_dump() for name, summary in result.delays.items()},
                    "evaluations": result.evaluations,
                    "undelivered": result.undelivered,
                }
            )
        return outputs


_INCIDENT_FIELDS = {
    "incident", "kind", "topic", "scope", "rule", "expected_receiver", "receivers", "groups", "right_owner",
    "reports", "labelled", "background_rate", "hours_after_first_arrival", "hours_after_fifth",
    "hours_after_fifth_arrival", "hours_after_fifth_labelled", "hours_after_distinguishable",
}  # fmt: skip
