"""Chat answers: the right numbers and names in the prose, valid citations, and refusing what the data can't answer.

`chat_numbers` finds every expected number in the answer the way a reader would (a number written with d decimals
stands for any value within half a unit of its last digit, so `23%` and `23.3%` both match 23.3%) and every
expected name (`a|b` = either). `chat_citations` checks each cited review against the case's filters using the
attributes the stage looked up in the store. `chat_refusal` compares `out_of_scope` with the target's `refuse`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from eval.cache import CaseContext
from eval.registry import scorer
from eval.runlog import CaseRecord, CaseScore
from eval.scorers.base import Scorer, field_value, safe_div
from eval.stats import MetricFn

__all__ = ["ChatCitationsScorer", "ChatNumbersScorer", "ChatRefusalScorer", "citation_problems", "number_found"]

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
# Dates, clock times, ids (JKT-0125, INC-1f3a...) and [R1] labels hold digits that are not quantities.
_NOT_QUANTITIES = re.compile(r"\d{4}-\d{2}-\d{2}|\b\d{1,2}:\d{2}\b|\b[A-Za-z]+-\w*\d\w*|\[R\d+\]")


def _numbers(text: str) -> list[tuple[float, int]]:
    text = _NOT_QUANTITIES.sub(" ", text)
    return [
        (float(m.group(1).replace(",", "") + (m.group(2) or "")), len(m.group(2) or ".") - 1)
        for m in _NUMBER.finditer(text)
    ]


def _value(expected: str) -> float:
    return float(expected.replace(",", "").rstrip("%x").strip())


def number_found(expected: str, text: str) -> bool:
    """Whether the answer states `expected` (`1,426`, `7.6%`, `2.6x`) at the precision it chose to write."""
    value = _value(expected)
    return any(abs(found - value) <= 0.5 * 10**-decimals + 1e-9 for found, decimals in _numbers(text))


class _NumbersArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    answer: str = "answer"
    """Output field with the prose."""
    numbers: str = "numbers"
    """Target field: the numbers a correct answer states."""
    mentions: str = "mentions"
    """Target field: names a correct answer states (`a|b` = either)."""


@scorer("chat_numbers")
class ChatNumbersScorer(Scorer):
    """accuracy (every expected number and name present), numbers_recall, mentions_recall; refusals skipped."""

    Args = _NumbersArgs
    args: _NumbersArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        numbers = list(record.target.get(self.args.numbers) or [])
        mentions = list(record.target.get(self.args.mentions) or [])
        if not numbers and not mentions:
            return CaseScore(value={"skip": True})
        text = str(field_value(record.output, self.args.answer, "the stage output"))
        missing_numbers = [n for n in numbers if not number_found(n, text)]
        lower = text.lower()
        missing_names = [m for m in mentions if not any(alt.lower() in lower for alt in m.split("|"))]
        value = {
            "skip": False,
            "numbers": len(numbers),
            "numbers_found": len(numbers) - len(missing_numbers),
            "mentions": len(mentions),
            "mentions_found": len(mentions) - len(missing_names),
        }
        passed = not missing_numbers and not missing_names
        explanation = "" if passed else f"missing numbers {missing_numbers}, names {missing_names} in {text[:160]!r}"
        return CaseScore(value=value, passed=passed, explanation=explanation)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        use = np.array([not s.value["skip"] for s in scores], dtype=bool)
        cols = {k: np.array([s.value.get(k, 0) for s in scores], dtype=float)
                for k in ("numbers", "numbers_found", "mentions", "mentions_found")}  # fmt: skip
        right = np.array([s.passed is True for s in scores], dtype=bool)

        def metrics(idx: np.ndarray) -> dict[str, float]:
            chosen = idx[use[idx]]
            return {
                "accuracy": safe_div(right[chosen].sum(), len(chosen)),
                "numbers_recall": safe_div(cols["numbers_found"][chosen].sum(), cols["numbers"][chosen].sum()),
                "mentions_recall": safe_div(cols["mentions_found"][chosen].sum(), cols["mentions"][chosen].sum()),
                "cases": float(len(chosen)),
            }

        return metrics


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def citation_problems(cited: dict[str, Any], filters: dict[str, Any]) -> list[str]:
    """Why a cited review does not satisfy the question's filters (empty when it does)."""
    if not cited.get("exists"):
        return ["not in the store"]
    problems = [
        f"{name} is {cited.get(name)!r}, not {filters[name]!r}"
        for name in ("sku", "region", "warehouse", "supplier", "category")
        if filters.get(name) is not None and cited.get(name) != filters[name]
    ]
    created = _time(cited.get("created_at"))
    since, until = _time(filters.get("since")), _time(filters.get("until"))
    if created is not None and created.tzinfo is None and since is not None:
        created = created.replace(tzinfo=since.tzinfo)
    if created is not None and ((since and created < since) or (until and created >= until)):
        problems.append(f"written {cited.get('created_at')}, outside the window")
    if (topics := filters.get("topics")) and not set(topics) & set(cited.get("topics") or ()):
        problems.append(f"not about {topics}")
    if filters.get("complaint") and cited.get("sentiment") == "positive":
        problems.append("a positive review cited as a complaint")
    rating = cited.get("rating")
    low, high = filters.get("rating_min"), filters.get("rating_max")
    if (low is not None or high is not None) and (rating is None or rating < (low or 1) or rating > (high or 5)):
        problems.append(f"rated {rating}, not {low}-{high} stars")
    if (incident := filters.get("incident")) and incident not in (cited.get("incidents") or ()):
        problems.append(f"not a review of incident {incident}")
    return problems


class _CitationArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    cited: str = "cited"
    """Output field: the cited reviews with their stored attributes."""
    filters: str = "filters"
    """Target field: what a cited review must satisfy."""


@scorer("chat_citations")
class ChatCitationsScorer(Scorer):
    """validity (cited reviews that exist and fit the question), coverage (answered cases citing at least one)."""

    Args = _CitationArgs
    args: _CitationArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        if record.target.get("refuse"):
            return CaseScore(value={"skip": True})
        cited = list(field_value(record.output, self.args.cited, "the stage output") or [])
        filters = dict(record.target.get(self.args.filters) or {})
        problems = {c.get("review_id"): p for c in cited if (p := citation_problems(c, filters))}
        value = {"skip": False, "cited": len(cited), "valid": len(cited) - len(problems)}
        explanation = "; ".join(f"{rid}: {', '.join(p)}" for rid, p in problems.items())
        return CaseScore(value=value, passed=not problems, explanation=explanation)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        use = np.array([not s.value["skip"] for s in scores], dtype=bool)
        cited = np.array([s.value.get("cited", 0) for s in scores], dtype=float)
        valid = np.array([s.value.get("valid", 0) for s in scores], dtype=float)

        def metrics(idx: np.ndarray) -> dict[str, float]:
            chosen = idx[use[idx]]
            return {
                "validity": safe_div(valid[chosen].sum(), cited[chosen].sum()),
                "coverage": safe_div((cited[chosen] > 0).sum(), len(chosen)),
                "cited_per_answer": safe_div(cited[chosen].sum(), len(chosen)),
            }

        return metrics


class _RefusalArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    output: str = "out_of_scope"
    target: str = "refuse"


@scorer("chat_refusal")
class ChatRefusalScorer(Scorer):
    """refusal_recall (refused what it should), false_refusals (refused an answerable question), accuracy."""

    Args = _RefusalArgs
    args: _RefusalArgs

    def score(self, record: CaseRecord, ctx: CaseContext) -> CaseScore:
        refused = bool(field_value(record.output, self.args.output, "the stage output"))
        should = bool(record.target.get(self.args.target))
        passed = refused == should
        explanation = "" if passed else ("answered a question it should refuse" if should else "refused an answer")
        return CaseScore(value={"refused": refused, "should": should}, passed=passed, explanation=explanation)

    def metric_fn(self, scores: Sequence[CaseScore]) -> MetricFn:
        refused = np.array([s.value["refused"] for s in scores], dtype=bool)
        should = np.array([s.value["should"] for s in scores], dtype=bool)

        def metrics(idx: np.ndarray) -> dict[str, float]:
            r, s = refused[idx], should[idx]
            return {
                "refusal_recall": safe_div((r & s).sum(), s.sum()),
                "false_refusals": float((r & ~s).sum()),
                "accuracy": safe_div((r == s).sum(), len(idx)),
            }

        return metrics
