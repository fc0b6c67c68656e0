# The two quick-start commands (`make demo`, `make test`) set themselves up on first use.
.PHONY: setup demo test lint unit eval-ci bench bench-retrieval bench-triage clean

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

setup:
	@./scripts/bootstrap.sh

demo: setup
	.venv/bin/reviewops demo

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

unit: setup
	.venv/bin/pytest -n 2 --durations=15

# The fast, deterministic eval suites through the regression gate (a scorer trained from scratch, as CI has none).
CI_HOME := .reviewops-ci
eval-ci: setup
	REVIEWOPS_HOME=$(CI_HOME) .venv/bin/reviewops train
	rm -rf $(CI_HOME)/eval-run
	REVIEWOPS_HOME=$(CI_HOME) .venv/bin/reviewops eval run scorer_seed_heldout scorer_csv_stars router_must_escalate \
		retrieval_incidents triage_safety agent_hypothesis chat_manager_questions alert_detection \
		scorer_cross_food_from_clothing scorer_cross_clothing_from_food scorer_food_topics scorer_multilingual \
		router_unseen_languages --out $(CI_HOME)/eval-run
	REVIEWOPS_HOME=$(CI_HOME) .venv/bin/reviewops eval gate $(CI_HOME)/eval-run --baseline eval/baselines/default.json

test: lint eval-ci unit

bench: setup
	.venv/bin/reviewops bench

# Retrieval latency on a synthetic index (100k items: ~5 min of embedding bases + ~6 min of indexing on 2 cores).
bench-retrieval: setup
	.venv/bin/python -m lab.bench.retrieval_bench --sizes 100000

# The triage agent on the demo stream with the local model (tens of minutes): time to a pending approval, tokens,
# existing vs new incidents, duplicates per injected problem.
bench-triage: setup
	.venv/bin/python -m lab.bench.triage_bench

clean:
	rm -rf .reviewops .reviewops-ci
