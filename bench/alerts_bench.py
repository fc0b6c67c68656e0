"""Print the alerting figures: demo-stream detection, false alerts on a clean stream, evaluation time at 1M reviews.

Usage: .venv/bin/python bench/alerts_bench.py [--no-demo] [--no-clean] [--no-scale] [--scale-reviews N]
Uses REVIEWOPS_HOME's trained scorer (trained first if missing); scratch databases live in a temporary directory.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pipeline.alerts.bench import format_alerts_bench, run_alerts_bench
from pipeline.factory import ensure_scorer
from store.db import Database
from store.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--no-clean", action="store_true")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--scale-reviews", type=int, default=1_000_000)
    args = parser.parse_args()
    settings = Settings()
    ensure_scorer(settings, Database.from_settings(settings))
    bench = run_alerts_bench(
        settings,
        demo=not args.no_demo,
        clean=not args.no_clean,
        scale=not args.no_scale,
        scale_reviews=args.scale_reviews,
        on_stage=lambda stage: print(f"... {stage}", flush=True),
    )
    print(format_alerts_bench(bench))


if __name__ == "__main__":
    main()
