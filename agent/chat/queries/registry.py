"""The registry of read-only query kinds the chat may plan, and the one function that runs them.

A kind is a function of a `ChatReader` (a session that cannot write) and its validated arguments. A kind that
answers the request of a registered tool names it, and registration refuses any tool registered with side
effects: the chat has no path to the outbox, the senders or a side-effecting tool, only to these reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agent.chat.reader import ChatReader
from agent.chat.records import QueryRequest, QueryResult
from tools import get_tool, registered_tool_names

__all__ = ["QueryKind", "QueryPlanError", "get_query_kind", "query_kind", "query_kind_names", "run_query"]

A = TypeVar("A", bound=BaseModel)
Runner = Callable[[ChatReader, Any], QueryResult]


class QueryPlanError(ValueError):
    """A planned query names no registered kind, or its arguments do not fit the kind."""


@dataclass(frozen=True)
class QueryKind:
    """A registered read-only query: its name, argument model, runner and the read-only tool it answers (if any)."""

    name: str
    args_model: type[BaseModel]
    run: Runner
    description: str
    tool: str | None
    """The read-only tool (tools/readonly.py) whose request this kind answers, e.g. `sku_stats`."""


_KINDS: dict[str, QueryKind] = {}


def query_kind(
    name: str, args_model: type[A], *, tool: str | None = None
) -> Callable[[Callable[[ChatReader, A], QueryResult]], Callable[[ChatReader, A], QueryResult]]:
    """Register a read-only query runner as kind `name`; a `tool` with side effects is refused."""
    if name in registered_tool_names(side_effect=True):
        raise ValueError(f"query kind {name!r} shares its name with a side-effecting tool; choose another name")
    if tool is not None and get_tool(tool).side_effect:
        raise ValueError(f"query kind {name!r} cannot answer tool {tool!r}: it has side effects; the chat only reads")

    def register(run: Callable[[ChatReader, A], QueryResult]) -> Callable[[ChatReader, A], QueryResult]:
        if name in _KINDS and _KINDS[name].run is not run:
            raise ValueError(f"query kind {name!r} is already registered by {_KINDS[name].run.__module__}")
        description = (run.__doc__ or "").strip().split("\n")[0]
        _KINDS[name] = QueryKind(name, args_model, run, description, tool)
        return run

    return register


def query_kind_names() -> list[str]:
    """Registered kinds, sorted."""
    return sorted(_KINDS)


def get_query_kind(name: str) -> QueryKind:
    """The kind `name`; QueryPlanError lists the registered kinds."""
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(query_kind_names())
        raise QueryPlanError(f"unknown query kind {name!r}; the chat can run only: {known}") from None


def run_query(reader: ChatReader, request: QueryRequest) -> QueryResult:
    """Validate the request's arguments against its kind and run it over the read-only reader."""
    kind = get_query_kind(request.kind)
    try:
        args = kind.args_model.model_validate(request.args)
    except ValidationError as err:
        raise QueryPlanError(f"invalid arguments for query {request.kind!r}: {err.errors()[0]['msg']}") from err
    started = time.perf_counter()
    result = kind.run(reader, args)
    return result.model_copy(update={"seconds": round(time.perf_counter() - started, 4)})
