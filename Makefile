# The two quick-start commands (`make demo`, `make test`) set themselves up on first use.
.PHONY: setup demo test lint bench clean

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

test: lint
	.venv/bin/pytest -n 2 --durations=15

bench: setup
	.venv/bin/reviewops bench

clean:
	rm -rf .reviewops
