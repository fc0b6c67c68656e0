"""Fakes for the eval harness's tests: deterministic stages, a call-counting fake chat model, suite writers."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, ConfigDict, Field

from eval.cache import CaseContext
from eval.dataset import Case, Dataset
from eval.registry import stage
from eval.runlog import StageIdentity
from eval.stages.base import Stage
from store.settings import Settings


class CountingFakeChat(FakeListChatModel):
    """LangChain's FakeListChatModel that counts the calls reaching it (thread-safe)."""

    calls: int = 0

    def _call(self, *args: Any, **kwargs: Any) -> str:
        with _LOCK:
            self.calls += 1
        return super()._call(*args, **kwargs)


_LOCK = threading.Lock()


class _EchoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wrong: list[str] = Field(default_factory=list)
    """Case ids answered wrongly (a deliberate regression)."""


@stage("test_echo")
class EchoStage(Stage):
    """Answers `input.answer` (or `wrong` for the listed ids); records which cases it solved."""

    Args = _EchoArgs
    args: _EchoArgs
    solved: ClassVar[list[str]] = []
    interrupt_after: ClassVar[int | None] = None

    def prepare(self, dataset: Dataset) -> StageIdentity:
        return StageIdentity(stage="test_echo", model="echo-1")

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        limit = type(self).interrupt_after
        if limit is not None and len(type(self).solved) >= limit:
            raise KeyboardInterrupt
        type(self).solved.extend(c.id for c in cases)
        return [{"answer": "wrong" if c.id in self.args.wrong else c.input["answer"], "confidence": 0.9} for c in cases]


@stage("test_llm")
class LlmStage(Stage):
    """Asks the `model` chat model `input.question`; output `answer` is its reply."""

    Args = _EchoArgs

    def prepare(self, dataset: Dataset) -> StageIdentity:
        return StageIdentity(stage="test_llm", model="fake")

    def solve(self, cases: Sequence[Case], calls: CaseContext) -> list[dict[str, Any]]:
        client = calls.chat("model")
        return [{"answer": str(client.invoke([HumanMessage(c.input["question"])]).content)} for c in cases]


@pytest.fixture
def echo() -> Any:
    """The echo stage with its call log cleared."""
    cls = EchoStage
    cls.solved = []
    cls.interrupt_after = None
    yield cls
    cls.solved = []
    cls.interrupt_after = None


@pytest.fixture
def eval_settings(tmp_path: Path) -> Settings:
    """Settings with a private, empty REVIEWOPS_HOME (no scorer: the fake stages need none)."""
    home = tmp_path / "home"
    home.mkdir()
    return Settings(home=home, shared_csv=tmp_path / "no-such.csv")


def write_rows(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


ECHO_ROWS = [{"id": f"c{i}", "answer": f"answer {i}", "label": "yes" if i % 2 else "no"} for i in range(8)]


def echo_suite(directory: Path, name: str = "echo_suite", wrong: Sequence[str] = (), extra: str = "") -> Path:
    """A suite over ECHO_ROWS run by the echo stage, scored by exact match, gated on accuracy."""
    directory.mkdir(parents=True, exist_ok=True)
    write_rows(directory / "echo_rows.jsonl", ECHO_ROWS)
    path = directory / f"{name}.yaml"
    path.write_text(
        f"""name: {name}
description: Echo stage answering from its input.
stage:
  name: test_echo
  args: {{wrong: {json.dumps(list(wrong))}}}
dataset:
  loader: jsonl
  args: {{path: echo_rows.jsonl, input: [answer], target: [answer]}}
scorers:
  - scorer: match
    name: exact
    args: {{output: answer, target: answer}}
thresholds:
  exact.accuracy: {{min: 0.5, tolerance: 0.05}}
bootstrap: {{resamples: 200}}
{extra}""",
        encoding="utf-8",
    )
    return path
