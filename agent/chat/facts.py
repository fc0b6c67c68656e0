"""How facts look: one formatting for counts, shares, ratios, hours and times, used by the facts the model sees,
the rules-written answer and the grounding check alike (so a number copied from the facts always validates)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from agent.chat.records import Fact

__all__ = ["count_fact", "facts_text", "fmt_count", "fmt_hours", "fmt_ratio", "fmt_share", "fmt_time", "share_fact"]


def fmt_count(value: int) -> str:
    """`1,234`."""
    return f"{value:,}"


def fmt_share(part: int, whole: int) -> str:
    """`23.3%` (one decimal), `0%` when there is nothing to divide by."""
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def fmt_ratio(value: float) -> str:
    """`2.4x`."""
    return f"{value:.1f}x"


def fmt_hours(value: float) -> str:
    """`36.5 h`."""
    return f"{value:.1f} h"


def fmt_time(moment: datetime | None) -> str:
    """`2026-11-08 14:00 UTC`, or `-`."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "-"


def count_fact(name: str, label: str, value: int) -> Fact:
    """A count, displayed with thousands separators."""
    return Fact(name=name, label=label, value=value, display=fmt_count(value))


def share_fact(name: str, label: str, part: int, whole: int) -> Fact:
    """`part / whole` as a percentage; the value is the fraction, rounded to 4 places."""
    return Fact(name=name, label=label, value=round(part / whole, 4) if whole else 0.0, display=fmt_share(part, whole))


def facts_text(facts: Sequence[Fact]) -> str:
    """The facts as the model sees them: one `- label: display` line each."""
    return "\n".join(f"- {fact.label}: {fact.display}" for fact in facts)
