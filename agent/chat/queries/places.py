"""Place query kinds: compare regions, warehouses, suppliers or categories on complaints, and the most-complained
SKUs. Ranking by share leaves out places with too few reviews for a share to mean anything (they are still listed
by count)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from agent.chat.facts import count_fact, fmt_count, fmt_share, share_fact
from agent.chat.queries.cube import ALL_TOPICS, WindowArgs, cube_rows
from agent.chat.queries.registry import query_kind
from agent.chat.reader import ChatReader
from agent.chat.records import Fact, QueryResult

__all__ = ["ComparePlacesArgs", "TopSkusArgs", "compare_places", "top_skus"]


class _RankArgs(WindowArgs):
    topics: list[str] = Field(default_factory=list)
    """Complaints about any of these topics; empty counts every complaint (any non-positive review)."""
    rank_by: Literal["count", "share"] = "count"
    min_reviews: int = Field(default=10, ge=1)
    """Places with fewer reviews are not ranked by share."""
    limit: int = Field(default=5, ge=1, le=20)
    subject: str | None = Field(default=None, max_length=200)
    examples: int = Field(default=2, ge=0, le=5)


class ComparePlacesArgs(_RankArgs):
    dimension: Literal["region", "warehouse", "supplier", "category"]
    values: list[str] = Field(default_factory=list)
    """Only these places (`EU-West vs UK`); empty compares every place."""


class TopSkusArgs(_RankArgs):
    pass


def _complaints(reader: ChatReader, args: _RankArgs, dimension: str, scope: dict[str, str]) -> dict[str, int]:
    """Complaints per place: from the cube for one topic (or all), from distinct reviews for several topics."""
    if len(args.topics) > 1:  # summing leaf counts would count a review about two of them twice
        rows = reader.matching_reviews(scope=scope, since=args.since, until=args.until, topics=args.topics,
                                       sentiment="nonpositive")  # fmt: skip
        counts: dict[str, int] = {}
        for row in rows:
            place = getattr(row, dimension) or ""
            counts[place] = counts.get(place, 0) + 1
        return counts
    topic = args.topics[0] if args.topics else ALL_TOPICS
    cube = cube_rows(reader.session, scope=scope, since=args.since, until=args.until, topics=[topic],
                     group_by=[dimension])  # fmt: skip
    return {row.group[0]: row.nonpositive for row in cube}


def _ranking(reader: ChatReader, args: _RankArgs, dimension: str, values: list[str]) -> list[dict[str, Any]]:
    scope = {name: value for name, value in args.scope.items() if name != dimension}
    totals = cube_rows(reader.session, scope=scope, since=args.since, until=args.until, topics=[ALL_TOPICS],
                       group_by=[dimension])  # fmt: skip
    complaints = _complaints(reader, args, dimension, scope)
    places: dict[str, dict[str, Any]] = {}
    for row in totals:
        place = row.group[0]
        if place and (not values or place in values):
            count = complaints.get(place, 0)
            share = round(count / row.reviews, 4) if row.reviews else 0.0
            places[place] = {"place": place, "reviews": row.reviews, "complaints": count, "share": share}
    if args.rank_by == "share":
        rankable = [e for e in places.values() if e["reviews"] >= args.min_reviews]
        rest = [e for e in places.values() if e["reviews"] < args.min_reviews]
        order = sorted(rankable, key=lambda e: (-e["share"], -e["complaints"], e["place"]))
        return order + sorted(rest, key=lambda e: (-e["complaints"], e["place"]))
    return sorted(places.values(), key=lambda e: (-e["complaints"], -e["share"], e["place"]))


def _result(reader: ChatReader, args: _RankArgs, kind: str, dimension: str, values: list[str]) -> QueryResult:
    ranked = [e for e in _ranking(reader, args, dimension, values) if e["complaints"] > 0 or values]
    shown = ranked[: args.limit]
    names = " or ".join(reader.topic_name(topic) for topic in args.topics)
    what = f"complaints about {names}" if names else "complaints"
    facts: list[Fact] = [Fact(name="window", label="time window", value=args.window, display=args.window)]
    for entry in shown:
        place = entry["place"]
        facts += [
            count_fact(f"{place}.complaints", f"{what} for {dimension} {place}", entry["complaints"]),
            count_fact(f"{place}.reviews", f"reviews for {dimension} {place}", entry["reviews"]),
            share_fact(f"{place}.share", f"share of {place}'s reviews that are {what}", entry["complaints"],
                       entry["reviews"]),
        ]  # fmt: skip
    evidence = []
    if shown and args.examples:
        leader = shown[0]["place"]
        matching = reader.matching_reviews(
            scope={**args.scope, dimension: leader}, since=args.since, until=args.until,
            topics=args.topics, sentiment="nonpositive",
        )  # fmt: skip
        subject = args.subject or " ".join(reader.vocabulary.topic_text(topic) for topic in args.topics[:2])
        evidence = reader.representative(matching, subject, args.examples, scope={dimension: leader})
    where = "" if not args.scope else f" within {args.scope_text()}"
    if not shown:
        sentences = [f"There were no {what} by {dimension}{where} {args.window}."]
    else:
        lead, markers = shown[0], "".join(f" [[e{i}]]" for i in range(len(evidence)))
        most = "the highest share of" if args.rank_by == "share" else "the most"
        detail = f"{fmt_count(lead['complaints'])}, {fmt_share(lead['complaints'], lead['reviews'])} of its " \
                 f"{fmt_count(lead['reviews'])} reviews"  # fmt: skip
        if kind == "compare_places":
            sentences = [f"{lead['place']} had {most} {what}{where} {args.window}: {detail}{markers}."]
        else:
            sentences = [f"The SKU with {most} {what}{where} {args.window} was {lead['place']} ({detail}){markers}."]
        if len(shown) > 1:
            rest = ", ".join(
                f"{e['place']} ({fmt_count(e['complaints'])}, {fmt_share(e['complaints'], e['reviews'])})"
                for e in shown[1:]
            )
            sentences.append(f"Next were {rest}.")
    return QueryResult(
        kind=kind, args=args.model_dump(mode="json"), facts=facts, evidence=evidence, sentences=sentences,
        data={"dimension": dimension, "ranking": shown},
    )  # fmt: skip


@query_kind("compare_places", ComparePlacesArgs)
def compare_places(reader: ChatReader, args: ComparePlacesArgs) -> QueryResult:
    """Regions, warehouses, suppliers or categories ranked by complaints (count or share) in a window."""
    return _result(reader, args, "compare_places", args.dimension, args.values)


@query_kind("top_skus", TopSkusArgs)
def top_skus(reader: ChatReader, args: TopSkusArgs) -> QueryResult:
    """The SKUs with the most complaints (about a topic, or any) in a scope and window."""
    return _result(reader, args, "top_skus", "sku", [])
