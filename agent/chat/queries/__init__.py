"""The chat's read-only query kinds; importing this package registers every kind (see `registry.py`)."""

from agent.chat.queries import incidents, places, reviews, topics
from agent.chat.queries.registry import (
    QueryKind,
    QueryPlanError,
    get_query_kind,
    query_kind,
    query_kind_names,
    run_query,
)

__all__ = [
    "QueryKind",
    "QueryPlanError",
    "get_query_kind",
    "incidents",
    "places",
    "query_kind",
    "query_kind_names",
    "reviews",
    "run_query",
    "topics",
]
