"""Print the alerting figures: detection and delays on the demo stream, false alerts on a clean stream, evaluation
time at 1M reviews.

Usage: .venv/bin/python lab/bench/alerts_bench.py [--no-demo] [--no-clean] [--no-scale] [--scale-reviews N]
       [--rules FILE] [--clean-days D --clean-skus S --clean-reviews-per-day R] [--json OUT]
Uses REVIEWOPS_HOME's trained scorer (trained first if missing); scratch databases live in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from lab.alerts.bench import CLEAN, StreamSpec, format_alerts_bench, run_alerts_bench
from pipeline.factory import ensure_scorer
from store.db import Database
from store.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--no-clean", action="store_true")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--scale-reviews", type=int, default=1_000_000)
    parser.add_argument("--rules", type=Path, help="Another alert_rules.yaml to evaluate instead of config/'s.")
    parser.add_argument("--clean-days", type=int, default=CLEAN["days"])
    parser.add_argument("--clean-skus", type=int, default=CLEAN["skus"])
    parser.add_argument("--clean-reviews-per-day", type=int, default=CLEAN["reviews_per_day"])
    parser.add_argument("--clean-seed", type=int, default=CLEAN["seed"])
    parser.add_argument("--json", type=Path, help="Also write every figure as JSON here.")
    args = parser.parse_args()
    settings = Settings()
    ensure_scorer(settings, Database.from_settings(settings))
    clean = StreamSpec(
        seed=args.clean_seed,
        days=args.clean_days,
        skus=args.clean_skus,
        reviews_per_day=args.clean_reviews_per_day,
        incidents=False,
    )
    bench = run_alerts_bench(
        settings,
        demo=not args.no_demo,
        clean=not args.no_clean,
        scale=not args.no_scale,
        scale_reviews=args.scale_reviews,
        clean_spec=clean,
        rules_file=args.rules.resolve() if args.rules else None,
        on_stage=lambda stage: print(f"... {stage}", flush=True),
    )
    print(format_alerts_bench(bench))
    if args.json:
        args.json.write_text(bench.model_dump_json(indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
