"""Silences: mute notifications of alerts matching every matcher for a while, with who and why."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.alerts.routing import Matcher, matches_all
from store.alert_tables import SilenceRow

__all__ = ["Silence", "active_silences", "add_silence", "expire_silence", "list_silences", "silence_matching"]


class Silence(BaseModel):
    """A silence as shown to people."""

    id: int
    matchers: list[str]
    created_by: str
    reason: str
    created_at: datetime
    starts_at: datetime
    ends_at: datetime

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


def _view(row: SilenceRow) -> Silence:
    return Silence(
        id=row.id,
        matchers=list(row.matchers),
        created_by=row.created_by,
        reason=row.reason,
        created_at=row.created_at,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
    )


def add_silence(
    session: Session,
    matchers: list[str],
    created_by: str,
    reason: str,
    now: datetime,
    duration: timedelta,
    starts_at: datetime | None = None,
) -> Silence:
    """Create a silence from Alertmanager-style matchers (`sku="JKT-0125"`), with its creator and reason."""
    if not matchers:
        raise ValueError('a silence needs at least one matcher, e.g. sku="JKT-0125"; it would mute every alert')
    if not created_by.strip() or not reason.strip():
        raise ValueError("a silence needs its creator and a reason (--by, --reason)")
    if duration <= timedelta(0):
        raise ValueError(f"silence duration must be positive, got {duration}")
    parsed = [Matcher.parse(m) for m in matchers]
    start = starts_at or now
    row = SilenceRow(
        matchers=[str(m) for m in parsed],
        created_by=created_by.strip(),
        reason=reason.strip(),
        created_at=now,
        starts_at=start,
        ends_at=start + duration,
    )
    session.add(row)
    session.flush()
    return _view(row)


def expire_silence(session: Session, silence_id: int, now: datetime) -> Silence:
    """End a silence now (it stays listed, with its new end)."""
    row = session.get(SilenceRow, silence_id)
    if row is None:
        raise KeyError(f"no silence {silence_id}; `reviewops alerts silence list` shows the ids")
    row.ends_at = min(row.ends_at, now)
    return _view(row)


def list_silences(session: Session, now: datetime, include_expired: bool = False) -> list[Silence]:
    """Silences not yet ended (or all of them), newest first."""
    stmt = select(SilenceRow).order_by(SilenceRow.created_at.desc(), SilenceRow.id.desc())
    if not include_expired:
        stmt = stmt.where(SilenceRow.ends_at > now)
    return [_view(row) for row in session.scalars(stmt)]


def active_silences(session: Session, now: datetime) -> list[tuple[int, list[Matcher]]]:
    """(id, parsed matchers) of the silences in force at `now`."""
    rows = session.scalars(select(SilenceRow).where(SilenceRow.starts_at <= now, SilenceRow.ends_at > now))
    return [(row.id, [Matcher.parse(m) for m in row.matchers]) for row in rows]


def silence_matching(labels: dict[str, str], silences: list[tuple[int, list[Matcher]]]) -> int | None:
    """The id of the first silence muting an alert with these labels, or None."""
    for silence_id, matchers in silences:
        if matches_all(matchers, labels):
            return silence_id
    return None
