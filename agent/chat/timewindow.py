"""Time windows from the words of a question: `last 7 days`, `this week`, `since Monday`, `yesterday`, ...

Windows end at the data clock `as_of` (the newest review's hour, or a time given), are half-open and aligned to
whole hours, as the gold tables bucket by hour. Calendar words refer to the day of the newest data: `today` is the
UTC day containing the last moment before `as_of`, `this week` starts on that week's Monday. A question without a
time phrase gets the last 7 days, and the answer says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from agent.chat.records import TimeWindow

__all__ = ["DEFAULT_DAYS", "ceil_hour", "parse_window"]

DEFAULT_DAYS = 7
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "thirty": 30,
}  # fmt: skip
_UNIT_HOURS = {"hour": 1, "day": 24, "week": 24 * 7, "month": 24 * 30}
_NUMBER = r"\d+|" + "|".join(_WORD_NUMBERS)
_DAY = r"(mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"


def ceil_hour(moment: datetime) -> datetime:
    """`moment` rounded up to the next whole UTC hour (unchanged when it is on the hour)."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


def _day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _fmt(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _window(since: datetime | None, until: datetime, name: str, phrase: str | None) -> TimeWindow:
    span = f"{_fmt(since)} to {_fmt(until)} UTC" if since is not None else f"up to {_fmt(until)} UTC"
    return TimeWindow(since=since, until=until, label=f"{name} ({span})", phrase=phrase)


def _last(match: re.Match[str], until: datetime) -> tuple[datetime | None, str]:
    count_text, unit = match.group(1), match.group(2)
    count = _WORD_NUMBERS.get(count_text, 0) if count_text and not count_text.isdigit() else int(count_text or 1)
    count = max(1, min(count, 3650))
    name = f"in the last {count} {unit}s" if count != 1 else f"in the last {unit}"
    return until - timedelta(hours=_UNIT_HOURS[unit] * count), name


def _since_weekday(match: re.Match[str], until: datetime) -> tuple[datetime | None, str]:
    wanted = next(i for i, day in enumerate(_WEEKDAYS) if day.startswith(match.group(1)[:3]))
    today = _day_start(until - timedelta(microseconds=1))
    start = today - timedelta(days=(today.weekday() - wanted) % 7)
    return start, f"since {_WEEKDAYS[wanted].capitalize()}"


def _since_date(match: re.Match[str], until: datetime) -> tuple[datetime | None, str]:
    start = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
    return start, f"since {start:%Y-%m-%d}"


def _since_month_day(match: re.Match[str], until: datetime) -> tuple[datetime | None, str]:
    month = _MONTHS.index(match.group(1)[:3]) + 1
    day = int(match.group(2))
    try:
        start = datetime(until.year, month, day, tzinfo=UTC)
    except ValueError:
        return None, ""
    if start >= until:
        start = start.replace(year=until.year - 1)
    return start, f"since {start:%Y-%m-%d}"


def _today(match: re.Match[str], until: datetime) -> tuple[datetime | None, str]:
    return _day_start(until - timedelta(microseconds=1)), "today"


def _this_week(match: re.Match[str], until: datetime) -> tuple[datetime | None, str]:
    today = _day_start(until - timedelta(microseconds=1))
    return today - timedelta(days=today.weekday()), "this week"


def _this_month(match: re.Match[str], until: datetime) -> tuple[datetime | None, str]:
    return _day_start(until - timedelta(microseconds=1)).replace(day=1), "this month"


def _all_time(match: re.Match[str], until: datetime) -> tuple[datetime | None, str]:
    return None, "over all time"


_Rule = Callable[[re.Match[str], datetime], tuple[datetime | None, str]]
# Most specific first; the first rule that matches decides the window.
_RULES: tuple[tuple[re.Pattern[str], _Rule], ...] = (
    (re.compile(r"\bsince (\d{4}-\d{2}-\d{2})\b"), _since_date),
    (re.compile(r"\bsince (" + "|".join(_MONTHS) + r")[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?\b"), _since_month_day),
    (re.compile(r"\bsince (?:last )?" + _DAY + r"\b"), _since_weekday),
    (re.compile(r"\b(?:last|past|previous|recent)\s+(" + _NUMBER + r")?\s*(hour|day|week|month)s?\b"), _last),
    (re.compile(r"\bthis week\b|\bweek to date\b"), _this_week),
    (re.compile(r"\bthis month\b|\bmonth to date\b"), _this_month),
    (re.compile(r"\btoday\b|\bso far today\b"), _today),
    (re.compile(r"\b(?:all time|all-time|ever|overall|in total|to date|so far|since the start)\b"), _all_time),
)
_YESTERDAY = re.compile(r"\byesterday\b")
_WEEKEND = re.compile(r"\b(?:over |during |on )?(?:the |last )?weekend\b")


def parse_window(question: str, as_of: datetime) -> TimeWindow:
    """The window the question names, ending at `as_of` (rounded up to the hour); the last 7 days if it names none."""
    until = ceil_hour(as_of)
    text = question.lower()
    if match := _YESTERDAY.search(text):
        today = _day_start(until - timedelta(microseconds=1))
        return _window(today - timedelta(days=1), today, "yesterday", match.group(0))
    if match := _WEEKEND.search(text):
        today = _day_start(until - timedelta(microseconds=1))
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        end = min(saturday + timedelta(days=2), until)
        return _window(saturday, end, "over the weekend", match.group(0))
    for pattern, rule in _RULES:
        if match := pattern.search(text):
            since, name = rule(match, until)
            if name:
                return _window(since, until, name, match.group(0))
    return _window(until - timedelta(days=DEFAULT_DAYS), until, f"in the last {DEFAULT_DAYS} days", None)
