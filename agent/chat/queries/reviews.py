"""The review query kind: how many reviews match filters (topics, sentiment, stars, scope, window), with examples.

Counts are distinct reviews as gold counted them (`gold_contributions`), so a review carrying two of the asked
topics counts once and the numbers agree with every other kind's."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from agent.chat.facts import count_fact, fmt_count, fmt_share, share_fact
from agent.chat.queries.cube import ALL_TOPICS, WindowArgs, cube_rows
from agent.chat.queries.registry import query_kind
from agent.chat.reader import ChatReader
from agent.chat.records import QueryResult

__all__ = ["CountReviewsArgs", "count_reviews"]

_NOUN = {"any": "reviews", "negative": "negative reviews", "nonpositive": "complaints", "positive": "positive reviews"}


class CountReviewsArgs(WindowArgs):
    topics: list[str] = Field(default_factory=list)
    """Reviews about any of these topics; empty means any topic."""
    sentiment: Literal["any", "negative", "nonpositive", "positive"] = "any"
    rating_min: int | None = Field(default=None, ge=1, le=5)
    rating_max: int | None = Field(default=None, ge=1, le=5)
    subject: str | None = Field(default=None, max_length=200)
    examples: int = Field(default=3, ge=0, le=5)

    @model_validator(mode="after")
    def _ratings_ordered(self) -> CountReviewsArgs:
        if self.rating_min and self.rating_max and self.rating_min > self.rating_max:
            raise ValueError(f"rating_min {self.rating_min} is above rating_max {self.rating_max}")
        return self


def _stars(args: CountReviewsArgs) -> str:
    if args.rating_min is None and args.rating_max is None:
        return ""
    if args.rating_min == args.rating_max:
        return f" with {args.rating_min} star{'s' if args.rating_min != 1 else ''}"
    return f" rated {args.rating_min or 1} to {args.rating_max or 5} stars"


@query_kind("count_reviews", CountReviewsArgs)
def count_reviews(reader: ChatReader, args: CountReviewsArgs) -> QueryResult:
    """How many reviews of a scope match topics, sentiment and stars in a window, with representative examples."""
    rows = reader.matching_reviews(
        scope=args.scope, since=args.since, until=args.until, topics=args.topics, sentiment=args.sentiment,
        rating_min=args.rating_min, rating_max=args.rating_max,
    )  # fmt: skip
    total = sum(
        row.reviews
        for row in cube_rows(reader.session, scope=args.scope, since=args.since, until=args.until, topics=[ALL_TOPICS])
    )
    about = " or ".join(reader.topic_name(topic) for topic in args.topics)
    noun = _NOUN[args.sentiment] + (f" about {about}" if about else "") + _stars(args)
    where = args.scope_text()
    negative = sum(row.sentiment == "negative" for row in rows)
    filtered = bool(args.topics or args.sentiment != "any" or args.rating_min or args.rating_max)
    facts = [count_fact("matching", f"{noun} for {where} {args.window}", len(rows))]
    if filtered:
        facts += [
            count_fact("reviews", f"all reviews of {where} {args.window}", total),
            share_fact("share", f"share of {where}'s reviews that are {noun}", len(rows), total),
        ]
    if args.sentiment in ("any", "nonpositive"):
        facts.append(count_fact("negative", "of them negative", negative))
    subject = args.subject or " ".join(reader.vocabulary.topic_text(t) for t in args.topics[:2])
    evidence = reader.representative(rows, subject, args.examples, scope=args.scope)
    markers = "".join(f" [[e{i}]]" for i in range(len(evidence)))
    share = f", {fmt_share(len(rows), total)} of its {fmt_count(total)} reviews" if filtered else ""
    sentences = [f"There were {fmt_count(len(rows))} {noun} for {where} {args.window}{share}{markers}."]
    data = {"matching": len(rows), "reviews": total, "negative": negative, "ids": [r.review_id for r in rows[:50]]}
    return QueryResult(
        kind="count_reviews", args=args.model_dump(mode="json"), facts=facts, evidence=evidence,
        sentences=sentences, data=data,
    )  # fmt: skip
