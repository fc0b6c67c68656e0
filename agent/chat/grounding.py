"""Is a written answer grounded: every number, date and id in it among the facts, every citation among the reviews?

Numbers are compared the way people round: `23%` and `23.3%` both stand for a fact of 23.3%, a value written with
d decimals matches a fact within half a unit of its last digit, and of the same kind: a percentage only matches a
percentage of the facts, a ratio (`2.6x`) only a ratio, a count only a count (or a date's day, month or year).
Dates (`2026-11-08`) and ids with digits (`JKT-0125`, `INC-1a2b3c`) must appear verbatim in the facts or the
question. Citations are `[R1]`-style labels, and an answer may not copy a run of a review's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["COPY_RUN", "GroundingCheck", "cited_labels", "grounding_problems", "numbers_in", "split_sentences"]

_LABEL = re.compile(r"\[(R\d{1,2})\]")
_LABEL_GROUP = re.compile(r"\[\s*(R\d{1,2}(?:\s*[,;]\s*R\d{1,2})+)\s*\]")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_IDENT = re.compile(r"\b[A-Za-z]{1,6}-[A-Za-z0-9]*\d[A-Za-z0-9]*\b")
_NUMBER = re.compile(
    r"(?<![\w.\-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:(\s?%|\s?per\s?cent\b)|(x\b|\s?times\b)|h\b)?(?![\w\-])",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_WORDS = re.compile(r"[a-z0-9']+")
COPY_RUN = 6
"""Words in a row an answer may not share with a review: quoting reviews is how injected text gets through."""


def numbers_in(text: str) -> list[tuple[float, int, str]]:
    """(value, decimals written, unit `%` / `x` / ``) of every standalone number; ids, dates, times and `[R1]`
    labels left out."""
    stripped = _LABEL.sub(" ", text)
    stripped = _DATE.sub(" ", stripped)
    stripped = _TIME.sub(" ", stripped)
    stripped = _IDENT.sub(" ", stripped)
    found = []
    for match in _NUMBER.finditer(stripped):
        whole, fraction = match.group(1).replace(",", ""), match.group(2) or ""
        unit = "%" if match.group(3) else "x" if match.group(4) else ""
        found.append((float(whole + fraction), max(0, len(fraction) - 1), unit))
    return found


def _date_parts(text: str) -> set[float]:
    parts: set[float] = set()
    for date in _DATE.findall(text):
        parts.update(float(piece) for piece in date.split("-"))
    for time in _TIME.findall(text):
        parts.update(float(piece) for piece in time.split(":"))
    return parts


def cited_labels(text: str) -> list[str]:
    """`R1`-style labels cited in brackets, in order of first citation (`[R1, R2]` counts as both)."""
    text = _LABEL_GROUP.sub(lambda m: "".join(f"[{label.strip()}]" for label in re.split(r"[,;]", m.group(1))), text)
    return list(dict.fromkeys(_LABEL.findall(text)))


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (a decimal point or an id does not end one)."""
    protected = re.sub(r"(\d)\.(\d)", "\\1\u2024\\2", text)
    return [s.strip().replace("\u2024", ".") for s in _SENTENCE.findall(protected) if s.strip()]


@dataclass(frozen=True)
class GroundingCheck:
    """What an answer may say: the facts text (and the question), and the review labels it may cite."""

    facts: str
    question: str
    labels: Sequence[str]
    reviews: Sequence[str] = ()
    """The review snippets given: an answer may cite them but not copy runs of their words (injected text)."""
    need_number: bool = True
    """At least one number from the facts must be in the answer (when the facts have numbers)."""
    need_citation: bool = True
    """At least one review must be cited (when reviews were given)."""
    max_sentences: int = 3

    def allowed_numbers(self) -> dict[str, list[float]]:
        """Fact numbers by unit; the question's numbers count for every unit, date parts as counts."""
        allowed: dict[str, list[float]] = {"": sorted(_date_parts(self.facts)), "%": [], "x": []}
        for value, _, unit in numbers_in(self.facts):
            allowed[unit].append(value)
        for value, _, _ in numbers_in(self.question):
            for values in allowed.values():
                values.append(value)
        return allowed


def _runs(text: str) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + COPY_RUN]) for i in range(len(words) - COPY_RUN + 1)}


def _copies(text: str, reviews: Iterable[str]) -> bool:
    runs = _runs(_LABEL.sub(" ", text))
    return any(runs & _runs(review) for review in reviews)


def _close(value: float, decimals: int, unit: str, allowed: dict[str, list[float]]) -> bool:
    tolerance = 0.5 * 10 ** (-decimals) + 1e-9
    return any(abs(value - fact) <= tolerance for fact in allowed[unit])


def grounding_problems(text: str, check: GroundingCheck) -> list[str]:
    """Why `text` is not grounded in the facts (empty when it is); messages say what to fix."""
    problems: list[str] = []
    if not text.strip():
        return ["the answer is empty"]
    allowed = check.allowed_numbers()
    written = numbers_in(text)
    wrong = [(value, unit) for value, decimals, unit in written if not _close(value, decimals, unit, allowed)]
    if wrong:
        shown = ", ".join(f"{value:g}{unit}" for value, unit in wrong[:3])
        problems.append(f"the number(s) {shown} are not in the facts; use only numbers from the facts")
    context = f"{check.facts}\n{check.question}"
    if bad_dates := [d for d in _DATE.findall(text) if d not in context]:
        problems.append(f"the date(s) {', '.join(bad_dates[:3])} are not in the facts")
    if bad_ids := [i for i in _IDENT.findall(text) if i.lower() not in context.lower()]:
        problems.append(f"the id(s) {', '.join(bad_ids[:3])} are not in the facts")
    cited = cited_labels(text)
    if unknown := [label for label in cited if label not in check.labels]:
        given = ", ".join(f"[{label}]" for label in check.labels) or "none"
        problems.append(f"cites {', '.join(unknown)} which were not given; cite only {given}")
    if check.need_citation and check.labels and not cited:
        problems.append(f"cite at least one review as {', '.join(f'[{label}]' for label in check.labels[:3])}")
    if check.need_number and any(allowed.values()) and not any(_close(v, d, u, allowed) for v, d, u in written):
        problems.append("give at least one number from the facts")
    if _copies(text, check.reviews):
        problems.append(f"copies {COPY_RUN}+ words of a review; cite it as [R1] and say what it shows instead")
    if len(split_sentences(text)) > check.max_sentences:
        problems.append(f"use at most {check.max_sentences} sentences")
    return problems
