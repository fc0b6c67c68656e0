"""Topic query kinds: the top complaint topics of a scope, and one topic's share and trend against its baseline."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from agent.chat.facts import count_fact, fmt_count, fmt_ratio, fmt_share, share_fact
from agent.chat.queries.cube import ALL_TOPICS, WindowArgs, cube_rows, daily_complaints, first_bucket, span_text
from agent.chat.queries.registry import query_kind
from agent.chat.reader import ChatReader
from agent.chat.records import Citation, Fact, QueryResult

__all__ = ["BASELINE_DAYS", "TopTopicsArgs", "TopicTrendArgs", "top_topics", "topic_trend"]

BASELINE_DAYS = 28
UP, DOWN = 1.25, 0.8
_DAILY_MAX_DAYS = 14


class TopTopicsArgs(WindowArgs):
    topics: list[str] = Field(default_factory=list)
    """Only these topics (a domain's leaves); empty means every topic."""
    subject: str | None = Field(default=None, max_length=200)
    """Words the question used for the topic, to rank representative reviews."""
    limit: int = Field(default=3, ge=1, le=10)


@query_kind("top_topics", TopTopicsArgs)
def top_topics(reader: ChatReader, args: TopTopicsArgs) -> QueryResult:
    """The topics with the most complaints in a scope and window, with their share and the period before."""
    session, scope = reader.session, args.scope
    wanted = set(args.topics or reader.vocabulary.countable_topics())
    rows = cube_rows(session, scope=scope, since=args.since, until=args.until)
    total = sum(row.reviews for row in rows if row.topic == ALL_TOPICS)
    counts = {row.topic: row.nonpositive for row in rows if row.topic in wanted and row.nonpositive > 0}
    ranked = sorted(counts, key=lambda topic: (-counts[topic], topic))[: args.limit]
    previous: dict[str, int] = {}
    before = ""
    if args.since is not None and ranked:
        length = args.until - args.since
        prior = cube_rows(session, scope=scope, since=args.since - length, until=args.since, topics=ranked)
        previous = {row.topic: row.nonpositive for row in prior}
        before = f"the {span_text(length)} before"
    where = args.scope_text()
    facts: list[Fact] = [count_fact("reviews", f"reviews of {where} {args.window}", total)]
    evidence: list[Citation] = []
    parts: list[str] = []
    for topic in ranked:
        name = reader.topic_name(topic)
        facts.append(count_fact(f"topic.{topic}.complaints", f"complaints about {name}", counts[topic]))
        facts.append(share_fact(f"topic.{topic}.share", f"share of the reviews about {name}", counts[topic], total))
        change = ""
        if before:
            facts.append(count_fact(f"topic.{topic}.previous", f"complaints about {name} in {before}",
                                    previous.get(topic, 0)))  # fmt: skip
            change = f"; {fmt_count(previous.get(topic, 0))} in {before}"
        matching = reader.matching_reviews(
            scope=scope, since=args.since, until=args.until, topics=[topic], sentiment="nonpositive"
        )
        chosen = reader.representative(matching, args.subject or reader.vocabulary.topic_text(topic), 1, scope=scope)
        marker = f" [[e{len(evidence)}]]" if chosen else ""
        evidence += chosen
        parts.append(f"{name} ({fmt_count(counts[topic])}, {fmt_share(counts[topic], total)}{change}){marker}")
    if total == 0:
        sentences = [f"There are no reviews of {where} {args.window}."]
    elif not ranked:
        sentences = [f"{_cap(where)} had {fmt_count(total)} reviews {args.window} and no complaints."]
    else:
        sentences = [
            f"{_cap(where)} had {fmt_count(total)} reviews {args.window}; the top complaints were {', '.join(parts)}."
        ]
    data = {
        "reviews": total,
        "topics": [
            {"topic": t, "name": reader.topic_name(t), "complaints": counts[t], "previous": previous.get(t)}
            for t in ranked
        ],
    }
    return QueryResult(
        kind="top_topics", args=args.model_dump(mode="json"), facts=facts, evidence=evidence,
        sentences=sentences, data=data,
    )  # fmt: skip


class TopicTrendArgs(WindowArgs):
    topic: str = Field(min_length=1, max_length=64)
    subject: str | None = Field(default=None, max_length=200)
    baseline_days: int = Field(default=BASELINE_DAYS, ge=1, le=365)
    """How far back before the window the baseline reaches (less when the data starts later)."""
    examples: int = Field(default=3, ge=0, le=5)


@query_kind("topic_trend", TopicTrendArgs, tool="sku_stats")
def topic_trend(reader: ChatReader, args: TopicTrendArgs) -> QueryResult:
    """A topic's complaints and share in a scope and window, per day, against the baseline before the window."""
    session, scope, topic = reader.session, args.scope, args.topic
    name, where = reader.topic_name(topic), args.scope_text()
    start = first_bucket(session)
    since = args.since or start or args.until
    now = _counts(reader, args, since, args.until)
    facts = [
        count_fact("reviews", f"reviews of {where} {args.window}", now[0]),
        count_fact("complaints", f"complaints about {name}", now[1]),
        share_fact("share", f"share of the reviews complaining about {name}", now[1], now[0]),
    ]
    data: dict[str, object] = {"reviews": now[0], "complaints": now[1], "negative": now[2]}
    if (args.until - since) <= timedelta(days=_DAILY_MAX_DAYS) and now[1]:
        daily = daily_complaints(session, scope=scope, topic=topic, since=since, until=args.until)
        facts.append(Fact(name="daily", label="complaints per day, oldest first", value=", ".join(map(str, daily)),
                          display=", ".join(map(str, daily))))  # fmt: skip
        data["daily"] = daily
    matching = reader.matching_reviews(scope=scope, since=since, until=args.until, topics=[topic],
                                       sentiment="nonpositive")  # fmt: skip
    evidence = reader.representative(matching, args.subject or reader.vocabulary.topic_text(topic), args.examples,
                                     scope=scope)  # fmt: skip
    markers = "".join(f" [[e{i}]]" for i in range(len(evidence)))
    sentences = [
        f"{fmt_count(now[1])} of the {fmt_count(now[0])} reviews of {where} ({fmt_share(now[1], now[0])}) "
        f"complained about {name} {args.window}{markers}."
    ]
    baseline_start = since - timedelta(days=args.baseline_days)
    if start is not None and baseline_start < start:
        baseline_start = start
    span = since - baseline_start
    if args.since is None or span < timedelta(days=1):
        sentences.append("There is no earlier data to compare it with.")
    else:
        base = _counts(reader, args, baseline_start, since)
        label = f"the {span_text(span)} before"
        facts += [
            count_fact("baseline_reviews", f"reviews of {where} in {label}", base[0]),
            count_fact("baseline_complaints", f"complaints about {name} in {label}", base[1]),
            share_fact("baseline_share", f"share complaining about {name} in {label}", base[1], base[0]),
        ]
        data.update(baseline_reviews=base[0], baseline_complaints=base[1], baseline_days=round(span.days, 1))
        if base[1] and now[0]:
            ratio = (now[1] / now[0]) / (base[1] / base[0])
            facts.append(Fact(name="ratio", label="share now / baseline share", value=round(ratio, 2),
                              display=fmt_ratio(ratio)))  # fmt: skip
            direction = "up" if ratio >= UP else "down" if ratio <= DOWN else "about the same"
            sentences.append(
                f"In {label} it was {fmt_share(base[1], base[0])} ({fmt_count(base[1])} of {fmt_count(base[0])}), "
                f"so the share is {fmt_ratio(ratio)} the baseline ({direction})."
            )
            data["ratio"] = round(ratio, 4)
        elif now[1]:
            sentences.append(f"There were no such complaints in {label}: this is new.")
        else:
            sentences.append(f"In {label} there were {fmt_count(base[1])} such complaints.")
    return QueryResult(
        kind="topic_trend", args=args.model_dump(mode="json"), facts=facts, evidence=evidence,
        sentences=sentences, data=data,
    )  # fmt: skip


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _counts(reader: ChatReader, args: TopicTrendArgs, since: datetime, until: datetime) -> tuple[int, int, int]:
    """(reviews of the scope, complaints about the topic, negative reviews about it) in [since, until)."""
    rows = cube_rows(reader.session, scope=args.scope, since=since, until=until, topics=[ALL_TOPICS, args.topic])
    total = sum(row.reviews for row in rows if row.topic == ALL_TOPICS)
    about = [row for row in rows if row.topic == args.topic]
    return total, sum(row.nonpositive for row in about), sum(row.negative for row in about)
