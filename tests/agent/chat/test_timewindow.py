"""Time phrases become hour-aligned windows ending at the data clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.chat.timewindow import ceil_hour, parse_window

AS_OF = datetime(2026, 11, 15, tzinfo=UTC)  # Sunday 00:00: the newest data is from Saturday the 14th


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "since", "name"),
    [
        ("top complaints in the last 7 days", at(8), "in the last 7 days"),
        ("what happened in the past 3 days?", at(12), "in the last 3 days"),
        ("complaints last week", at(8), "in the last week"),
        ("last 24 hours", at(14), "in the last 24 hours"),
        ("top complaints this week", at(9), "this week"),
        ("since Monday", at(9), "since Monday"),
        ("since thursday", at(12), "since Thursday"),
        ("since 2026-11-03", at(3), "since 2026-11-03"),
        ("since Nov 10th", at(10), "since 2026-11-10"),
        ("how many today", at(14), "today"),
        ("how many overall", None, "over all time"),
        ("what are the top complaints", at(8), "in the last 7 days"),
    ],
)
def test_time_phrases_name_their_window(question: str, since: datetime | None, name: str) -> None:
    window = parse_window(question, AS_OF)
    assert window.since == since
    assert window.until == AS_OF
    assert window.label.startswith(name)


def test_yesterday_is_the_day_before_the_newest_data() -> None:
    window = parse_window("reviews yesterday", AS_OF)
    assert (window.since, window.until) == (at(13), at(14))


def test_the_window_ends_at_the_next_whole_hour_because_gold_counts_by_hour() -> None:
    window = parse_window("last 2 days", datetime(2026, 11, 14, 9, 20, tzinfo=UTC))
    assert window.until == at(14, 10)
    assert window.since == at(12, 10)
    assert ceil_hour(at(14, 10)) == at(14, 10)


def test_a_question_without_a_time_phrase_says_it_used_the_default() -> None:
    window = parse_window("which region is worst?", AS_OF)
    assert window.phrase is None and "2026-11-08 00:00 to 2026-11-15 00:00 UTC" in window.label
