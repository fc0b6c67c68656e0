"""Each read-only query kind over a store with known counts: the numbers, the evidence and the rules' sentences."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from chromadb.errors import InternalError

from agent.chat import QueryPlanError, QueryRequest, QueryResult, load_vocabulary, read_only_session
from agent.chat.queries import get_query_kind, query_kind, query_kind_names, run_query
from agent.chat.queries.cube import WindowArgs
from agent.chat.reader import ChatReader
from tests.agent.chat.conftest import AS_OF, DEFECT, LATE, ChatWorld

WEEK = {"since": (AS_OF - timedelta(days=7)).isoformat(), "until": AS_OF.isoformat(), "window": "in the last 7 days"}


def run(world: ChatWorld, kind: str, **args: Any) -> QueryResult:
    deps = world.deps()
    with read_only_session(world.db) as session:
        reader = ChatReader(session, load_vocabulary(session, deps.taxonomy), AS_OF, world.index)
        return run_query(reader, QueryRequest(kind=kind, args=args))


def facts(result: QueryResult) -> dict[str, str]:
    return {fact.name: fact.display for fact in result.facts}


def test_top_topics_ranks_complaints_with_shares_and_the_period_before(shop: ChatWorld) -> None:
    result = run(shop, "top_topics", scope={"sku": "JKT-0125"}, **WEEK)
    shown = facts(result)
    assert shown["reviews"] == "13"
    assert shown[f"topic.{DEFECT}.complaints"] == "10" and shown[f"topic.{DEFECT}.share"] == "76.9%"
    assert shown[f"topic.{DEFECT}.previous"] == "2"
    assert shown[f"topic.{LATE}.complaints"] == "1"
    assert [t["topic"] for t in result.data["topics"]] == [DEFECT, LATE]
    assert "the top complaints were Defect (10, 76.9%; 2 in the 7 days before) [[e0]]" in result.sentences[0]


def test_topic_trend_compares_the_share_with_the_baseline_before_the_window(shop: ChatWorld) -> None:
    result = run(shop, "topic_trend", scope={"sku": "JKT-0125"}, topic=DEFECT, **WEEK)
    shown = facts(result)
    assert (shown["complaints"], shown["reviews"], shown["share"]) == ("10", "13", "76.9%")
    assert (shown["baseline_complaints"], shown["baseline_reviews"], shown["baseline_share"]) == ("2", "10", "20.0%")
    assert shown["ratio"] == "3.8x"
    assert sum(result.data["daily"]) == 10 and len(result.data["daily"]) == 7
    assert "so the share is 3.8x the baseline (up)" in result.sentences[1]
    assert len(result.evidence) == 3 and all(DEFECT in e.topics for e in result.evidence)


def test_a_topic_with_no_earlier_complaints_is_new(shop: ChatWorld) -> None:
    result = run(shop, "topic_trend", scope={"sku": "DRS-0203"}, topic=LATE, **WEEK)
    assert facts(result)["complaints"] == "6"
    assert "this is new" in result.sentences[1] or "no earlier data" in result.sentences[1]


def test_compare_places_ranks_by_count_or_by_share(shop: ChatWorld) -> None:
    by_count = run(shop, "compare_places", dimension="region", topics=[LATE], **WEEK)
    assert [(e["place"], e["complaints"], e["reviews"]) for e in by_count.data["ranking"]] == [
        ("US-East", 6, 10),
        ("EU-West", 1, 13),
    ]
    assert by_count.sentences[0].startswith("US-East had the most complaints about Late delivery")
    shares = run(shop, "compare_places", dimension="region", rank_by="share", min_reviews=11, **WEEK)
    assert shares.data["ranking"][0]["place"] == "EU-West"  # US-East has too few reviews to rank by share


def test_several_topics_count_each_review_once(shop: ChatWorld) -> None:
    shop.review("Zipper broke and it came late", at=AS_OF - timedelta(hours=30), topics=(DEFECT, LATE))
    result = run(shop, "compare_places", dimension="region", topics=[DEFECT, LATE], **WEEK)
    eu = next(e for e in result.data["ranking"] if e["place"] == "EU-West")
    assert eu["complaints"] == 12  # 10 defects + 1 late + 1 both, not 13


def test_top_skus_and_counts_with_filters(shop: ChatWorld) -> None:
    skus = run(shop, "top_skus", **WEEK)
    assert [e["place"] for e in skus.data["ranking"]] == ["JKT-0125", "DRS-0203"]
    one_star = run(shop, "count_reviews", scope={"sku": "JKT-0125"}, rating_min=1, rating_max=1, **WEEK)
    assert facts(one_star)["matching"] == "10"
    praise = run(shop, "count_reviews", sentiment="positive", **WEEK)
    assert facts(praise)["matching"] == "6" and all(e.sentiment == "positive" for e in praise.evidence)
    everything = run(shop, "count_reviews", **WEEK)
    assert facts(everything) == {"matching": "23", "negative": "17"}


def test_open_incidents_carry_state_and_the_loop_clock(shop: ChatWorld) -> None:
    with shop.db.session() as session:
        from sqlalchemy import select

        from store.tables import SilverReview

        ids = list(session.scalars(select(SilverReview.review_id).where(SilverReview.sku == "JKT-0125")))[:4]
    opened = AS_OF - timedelta(days=2)
    open_id = shop.incident({"sku": "JKT-0125"}, DEFECT, ids, opened=opened, moves=("triaged",))
    shop.incident({"sku": "DRS-0203"}, LATE, [], opened=opened, moves=("closed_noise",))
    result = run(shop, "open_incidents")
    assert facts(result)["incidents"] == "1"
    row = result.data["incidents"][0]
    assert row["incident_id"] == open_id and row["state"] == "triaged" and row["reviews"] == 4
    assert {e.review_id for e in result.evidence} <= set(ids)
    history = run(shop, "open_incidents", include_closed=True)
    assert facts(history)["incidents"] == "2"


def test_with_an_index_the_evidence_is_the_reviews_nearest_the_subject(shop: ChatWorld) -> None:
    shop.review("Terrible: the seam ripped open", at=AS_OF - timedelta(hours=3))
    shop.build_index()
    result = run(shop, "count_reviews", scope={"sku": "JKT-0125"}, topics=[DEFECT], sentiment="nonpositive",
                 subject="seam ripped open", examples=1, **WEEK)  # fmt: skip
    assert result.evidence[0].snippet.startswith("Terrible: the seam ripped open")
    assert result.evidence[0].similarity is not None


class FailingIndex:
    """A review index whose every search raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def similar(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize("error", [InternalError("database is locked"), sqlite3.OperationalError("disk I/O error")])
def test_an_index_that_fails_leaves_the_evidence_to_the_store(shop: ChatWorld, error: Exception) -> None:
    shop.index = FailingIndex(error)  # type: ignore[assignment]
    result = run(shop, "count_reviews", scope={"sku": "JKT-0125"}, topics=[DEFECT], sentiment="nonpositive",
                 subject="seam ripped open", examples=1, **WEEK)  # fmt: skip
    assert result.evidence and result.evidence[0].similarity is None


def test_a_programming_error_in_the_index_search_is_not_taken_for_an_unavailable_index(shop: ChatWorld) -> None:
    shop.index = FailingIndex(TypeError("bug"))  # type: ignore[assignment]
    with pytest.raises(TypeError, match="bug"):
        run(shop, "count_reviews", scope={"sku": "JKT-0125"}, topics=[DEFECT], sentiment="nonpositive",
            subject="seam ripped open", examples=1, **WEEK)  # fmt: skip


def test_evidence_without_an_index_is_the_lowest_rated_newest_and_never_repeats_a_text(shop: ChatWorld) -> None:
    result = run(shop, "count_reviews", scope={"sku": "DRS-0203"}, **WEEK)
    assert [e.rating for e in result.evidence] == [2, 2, 2]
    assert len({e.snippet[:20] + str(e.created_at) for e in result.evidence}) == 3


def test_an_unknown_kind_or_bad_arguments_are_plan_errors(shop: ChatWorld) -> None:
    with pytest.raises(QueryPlanError, match="unknown query kind 'freeze_listing'; the chat can run only"):
        run(shop, "freeze_listing", sku="JKT-0125")
    with pytest.raises(QueryPlanError, match="invalid arguments for query 'top_topics'"):
        run(shop, "top_topics", scope={"colour": "red"}, **WEEK)


def test_every_kind_is_registered_and_tools_it_answers_are_read_only() -> None:
    from tools import get_tool

    assert query_kind_names() == [
        "compare_places", "count_reviews", "open_incidents", "top_skus", "top_topics", "topic_trend",
    ]  # fmt: skip
    for name in query_kind_names():
        tool = get_query_kind(name).tool
        assert tool is None or get_tool(tool).side_effect is False


def test_a_query_kind_cannot_be_bound_to_a_side_effecting_tool_or_named_like_one() -> None:
    with pytest.raises(ValueError, match="has side effects; the chat only reads"):
        query_kind("freeze_it", WindowArgs, tool="freeze_listing")
    with pytest.raises(ValueError, match="shares its name with a side-effecting tool"):
        query_kind("freeze_listing", WindowArgs)
