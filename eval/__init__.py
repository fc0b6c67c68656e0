"""The offline eval harness: suites (dataset + stage under test + scorers + thresholds) run, scored, reported, gated.

Modelled on Inspect AI. Run suites with `run_suites(RunOptions(suites=[...]))` or `reviewops eval run`; compare two
runs with `compare_runs`; gate a run against a stored baseline with `gate_run`. Scorers, stages and dataset loaders
are registries (`@scorer`, `@stage`, `@dataset`): see docs/eval.md.
"""

from eval.cache import CaseContext, ChatClient, LLMCache, Usage
from eval.compare import Comparison, compare_runs, format_comparison
from eval.dataset import Case, Dataset, DatasetError, DatasetLoader
from eval.gate import BaselineFile, GateReport, format_gate, gate_run, load_baseline, write_baseline
from eval.registry import CHAT_MODELS, DATASETS, SCORERS, STAGES, RegistryError, chat_model, dataset, scorer, stage
from eval.report import write_reports
from eval.runlog import CaseRecord, CaseScore, RunDir, RunInfo, RunOptions, RunSummary, StageIdentity, SuiteSummary
from eval.runner import RunResult, run_suites
from eval.scorers.base import Scorer
from eval.stages.base import Stage, StageContext
from eval.suite import Suite, SuiteFile, find_suite, list_suites, load_suite

__all__ = [
    "CHAT_MODELS",
    "DATASETS",
    "SCORERS",
    "STAGES",
    "BaselineFile",
    "Case",
    "CaseContext",
    "CaseRecord",
    "CaseScore",
    "ChatClient",
    "Comparison",
    "Dataset",
    "DatasetError",
    "DatasetLoader",
    "GateReport",
    "LLMCache",
    "RegistryError",
    "RunDir",
    "RunInfo",
    "RunOptions",
    "RunResult",
    "RunSummary",
    "Scorer",
    "Stage",
    "StageContext",
    "StageIdentity",
    "Suite",
    "SuiteFile",
    "SuiteSummary",
    "Usage",
    "chat_model",
    "compare_runs",
    "dataset",
    "find_suite",
    "format_comparison",
    "format_gate",
    "gate_run",
    "list_suites",
    "load_baseline",
    "load_suite",
    "run_suites",
    "scorer",
    "stage",
    "write_baseline",
    "write_reports",
]
