"""Read-only access for the chat: a database session that cannot write, the Chroma index, and review evidence.

`read_only_session` opens a connection the database itself refuses writes on (SQLite `PRAGMA query_only`,
PostgreSQL `SET TRANSACTION READ ONLY`) and always rolls back, so no query kind can change the store even by
mistake. `ChatReader` is all a query kind receives: that session, the taxonomy words, the data clock and a way to
pick representative reviews (Chroma similarity over the reviews a filter matches, or the store's order).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from agent.chat.records import Citation
from agent.chat.vocabulary import Vocabulary
from store.db import Database
from store.gold_tables import GoldContribution
from store.tables import SilverReview
from store.vector_index import INDEX_ERRORS, ReviewIndex

__all__ = ["ChatReader", "ReviewRow", "read_only_session"]

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 160
_INDEX_CANDIDATES = 300
_SPACES = re.compile(r"\s+")
SentimentFilter = Literal["any", "negative", "nonpositive", "positive"]


@contextmanager
def read_only_session(db: Database) -> Iterator[Session]:
    """A session on a connection that refuses writes; everything it did is rolled back on exit."""
    with db.engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA query_only = ON")
        elif dialect == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        else:
            raise RuntimeError(f"the chat reads sqlite or postgresql, not {dialect!r}; use one of those databases")
        session = Session(bind=connection)
        try:
            yield session
        finally:
            session.close()
            connection.rollback()
            if dialect == "sqlite":  # the pooled connection goes back writable for the rest of the process
                connection.exec_driver_sql("PRAGMA query_only = OFF")


@dataclass(frozen=True)
class ReviewRow:
    """A clean, scored review as gold counted it: the topics it counts under, its sentiment and places."""

    review_id: str
    created_at: datetime
    text: str
    rating: int | None
    sentiment: str
    topics: tuple[str, ...]
    sku: str | None
    region: str | None
    warehouse: str | None
    supplier: str | None
    category: str | None = None


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The text on one line, cut at a word boundary to at most `limit` characters."""
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _sentiment_clause(sentiment: SentimentFilter) -> Any:
    return {
        "negative": GoldContribution.sentiment == "negative",
        "nonpositive": GoldContribution.sentiment != "positive",
        "positive": GoldContribution.sentiment == "positive",
    }.get(sentiment)


@dataclass
class ChatReader:
    """What a query kind may use: a read-only session, the vocabulary, the data clock, and review evidence."""

    session: Session
    vocabulary: Vocabulary
    as_of: datetime
    index: ReviewIndex | None = None
    index_lock: threading.Lock = field(default_factory=threading.Lock)
    caveats: list[str] = field(default_factory=list)

    def topic_name(self, topic_id: str | None) -> str:
        """A topic's dashboard name; `any topic` for None."""
        return self.vocabulary.topic_name(topic_id) if topic_id else "any topic"

    def matching_reviews(
        self,
        *,
        scope: Mapping[str, str],
        since: datetime | None,
        until: datetime,
        topics: Sequence[str] = (),
        sentiment: SentimentFilter = "any",
        rating_min: int | None = None,
        rating_max: int | None = None,
    ) -> list[ReviewRow]:
        """Every review gold counted in the window and scope, about any of `topics`, newest first."""
        contribution, review = GoldContribution, SilverReview
        stmt = (
            select(
                review.review_id,
                review.created_at,
                review.title,
                review.text,
                review.rating,
                contribution.sentiment,
                contribution.topics,
                review.sku,
                review.region,
                review.warehouse,
                review.supplier,
                review.category,
            )
            .join(review, review.review_id == contribution.review_id)
            .where(contribution.bucket_start < until)
        )
        if since is not None:
            stmt = stmt.where(contribution.bucket_start >= since)
        for dimension, value in scope.items():
            stmt = stmt.where(getattr(contribution, dimension) == value)
        if (clause := _sentiment_clause(sentiment)) is not None:
            stmt = stmt.where(clause)
        if rating_min is not None:
            stmt = stmt.where(review.rating >= rating_min)
        if rating_max is not None:
            stmt = stmt.where(review.rating <= rating_max)
        if topics:  # a cheap textual pre-filter on the JSON list; membership is confirmed below
            stmt = stmt.where(or_(*(cast(contribution.topics, String).like(f'%"{topic}"%') for topic in topics)))
        rows = []
        for row in self.session.execute(stmt.order_by(review.created_at.desc(), review.review_id)):
            counted = tuple(row.topics or ())
            if topics and not set(topics) & set(counted):
                continue
            rows.append(
                ReviewRow(
                    review_id=row.review_id,
                    created_at=row.created_at,
                    text=f"{row.title}. {row.text}" if row.title else row.text,
                    rating=row.rating,
                    sentiment=row.sentiment,
                    topics=counted,
                    sku=row.sku,
                    region=row.region,
                    warehouse=row.warehouse,
                    supplier=row.supplier,
                    category=row.category,
                )
            )
        return rows

    def representative(
        self, rows: Sequence[ReviewRow], subject: str, k: int, *, scope: Mapping[str, str] | None = None
    ) -> list[Citation]:
        """Up to `k` of `rows` that best show `subject`: nearest by embedding when the index can rank them, else the
        lowest-rated and newest; near-identical texts (pasted complaints) are shown once."""
        if not rows or k < 1:
            return []
        similarity = self._similarities(rows, subject, (scope or {}).get("sku"), (scope or {}).get("category"))
        ordered = sorted(
            rows,
            key=lambda row: (
                -similarity.get(row.review_id, -2.0),
                row.rating if row.rating is not None else 3,
                -row.created_at.timestamp(),
                row.review_id,
            ),
        )
        chosen: list[Citation] = []
        seen: set[str] = set()
        for row in ordered:
            key = _SPACES.sub(" ", row.text.lower())[:60]
            if key in seen:
                continue
            seen.add(key)
            chosen.append(_citation(row, similarity.get(row.review_id)))
            if len(chosen) == k:
                break
        return chosen

    def _similarities(
        self, rows: Sequence[ReviewRow], subject: str, sku: str | None, category: str | None
    ) -> dict[str, float]:
        if self.index is None or not subject.strip() or len(rows) <= 1:
            return {}
        since = min(row.created_at for row in rows)
        until = max(row.created_at for row in rows)
        wanted = {row.review_id for row in rows}
        try:
            with self.index_lock:  # one Chroma client per process, shared by request threads
                hits = self.index.similar(
                    subject,
                    k=min(_INDEX_CANDIDATES, max(50, 3 * len(rows))),
                    sku=sku,
                    category=category,
                    since=since,
                    until=int(until.timestamp()) + 1,
                )
        except INDEX_ERRORS as err:  # the index is an aid: a locked or missing Chroma directory must not stop answers
            logger.warning("similar-review search failed (%s); ordering evidence from the store", err)
            self.note("the review index was unavailable, so the cited reviews are the lowest-rated recent ones")
            return {}
        return {hit.review_id: round(hit.similarity, 4) for hit in hits if hit.review_id in wanted}

    def note(self, caveat: str) -> None:
        """Record a caveat the answer must carry (once)."""
        if caveat not in self.caveats:
            self.caveats.append(caveat)


def _citation(row: ReviewRow, similarity: float | None) -> Citation:
    return Citation(
        review_id=row.review_id,
        snippet=snippet(row.text),
        sku=row.sku,
        created_at=row.created_at,
        rating=row.rating,
        region=row.region,
        warehouse=row.warehouse,
        supplier=row.supplier,
        sentiment=row.sentiment,
        topics=list(row.topics),
        similarity=similarity,
    )
