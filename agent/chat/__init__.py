"""The chat agent: answers managers' questions with numbers computed from the data and cited reviews.

`open_chat_service(settings)` gives a `ChatService`; `ask(question)` runs the chat graph (understand -> plan ->
read-only queries over gold, silver, incidents and Chroma -> facts + citations -> prose by a model, validated
against the facts, or by rules) and returns a `ChatAnswer`. See docs/chat.md.
"""

from agent.chat.deps import ChatDeps
from agent.chat.graph import build_chat_graph, compile_chat_graph
from agent.chat.grounding import GroundingCheck, grounding_problems
from agent.chat.queries import QueryPlanError, query_kind_names
from agent.chat.reader import read_only_session
from agent.chat.records import (
    INTENTS,
    ChatAnswer,
    Citation,
    Fact,
    QueryRequest,
    QueryResult,
    TimeWindow,
    Understanding,
)
from agent.chat.service import MAX_QUESTION_CHARS, ChatResponder, ChatService, QuestionError, open_chat_service
from agent.chat.timewindow import parse_window
from agent.chat.understand import understand
from agent.chat.vocabulary import Vocabulary, load_vocabulary

__all__ = [
    "INTENTS",
    "MAX_QUESTION_CHARS",
    "ChatAnswer",
    "ChatDeps",
    "ChatResponder",
    "ChatService",
    "Citation",
    "Fact",
    "GroundingCheck",
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
