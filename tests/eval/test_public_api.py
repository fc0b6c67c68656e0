"""The harness's public surface is explicit and pinned."""

import eval


def test_public_names_are_pinned() -> None:
    assert sorted(eval.__all__) == sorted(
        [
            "CHAT_MODELS", "DATASETS", "SCORERS", "STAGES", "BaselineFile", "Case", "CaseContext", "CaseRecord",
            "CaseScore", "ChatClient", "Comparison", "Dataset", "DatasetError", "DatasetLoader", "GateReport",
            "LLMCache", "RegistryError", "RunDir", "RunInfo", "RunOptions", "RunResult", "RunSummary", "Scorer",
            "Stage", "StageContext", "StageIdentity", "Suite", "SuiteFile", "SuiteSummary", "Usage", "chat_model",
            "compare_runs", "dataset", "find_suite", "format_comparison", "format_gate", "gate_run", "list_suites",
            "load_baseline", "load_suite", "run_suites", "scorer", "stage", "write_baseline", "write_reports",
        ]
    )  # fmt: skip
    for name in eval.__all__:
        assert getattr(eval, name) is not None


def test_builtin_registries_hold_the_first_stages_scorers_and_loaders() -> None:
    assert {"fast_scorer", "router", "retrieval"} <= set(eval.STAGES.names())
    assert {"labels", "calibration", "routing", "retrieval", "match", "judge", "safety", "usage"} <= set(
        eval.SCORERS.names()
    )
    assert {"jsonl", "csv", "demo_stream"} <= set(eval.DATASETS.names())
