"""The chat package's public surface is pinned: changing it is a deliberate, reviewed decision."""

from __future__ import annotations

import agent.chat


def test_public_api_is_pinned() -> None:
    assert sorted(agent.chat.__all__) == [
        "ChatAnswer",
        "ChatDeps",
        "ChatResponder",
        "ChatService",
        "Citation",
        "Fact",
        "GroundingCheck",
        "INTENTS",
        "MAX_QUESTION_CHARS",
        "QueryPlanError",
        "QueryRequest",
        "QueryResult",
        "QuestionError",
        "TimeWindow",
        "Understanding",
        "Vocabulary",
        "build_chat_graph",
        "compile_chat_graph",
        "grounding_problems",
        "load_vocabulary",
        "open_chat_service",
        "parse_window",
        "query_kind_names",
        "read_only_session",
        "understand",
    ]
