"""The chat graph: understand -> (clarify) -> plan -> query -> write, or -> refuse.

```
START -> understand -+-> refuse -> END                      (out of scope: act, off-topic, unsupported metric)
                     +-> clarify -+-> refuse -> END         (rules unsure: a model picks among enumerated intents)
                     |            +-> plan
                     +-> plan -> query -> write -> END      (read-only queries; facts + citations; prose)
```
No node has a path to a side-effecting tool: queries run over a read-only session through the query-kind registry,
and the model only picks an enumerated intent and writes prose that is validated against the facts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from sqlalchemy import func, select

from agent.chat.deps import ChatDeps
from agent.chat.intent import intent_options, pick_intent
from agent.chat.planner import plan
from agent.chat.queries import QueryPlanError, run_query
from agent.chat.reader import ChatReader, read_only_session
from agent.chat.records import ChatAnswer, ChatState, QueryRequest, QueryResult, Understanding
from agent.chat.timewindow import ceil_hour
from agent.chat.understand import NO_DATA_REFUSAL, understand
from agent.chat.vocabulary import load_vocabulary
from agent.chat.writer import ANSWER_PROMPT, assemble, write_with_model
from agent.llm import LLMError, StructuredOutputInvalid, StructuredResult
from store.gold_tables import GoldContribution
from store.tables import ReviewScoreRow, SilverReview

__all__ = ["RULES", "build_chat_graph", "compile_chat_graph"]

logger = logging.getLogger(__name__)

RULES = "rules"
_UNSET = object()


def data_clock(deps: ChatDeps) -> tuple[datetime, list[str]]:
    """The end of the newest clean review's hour, so windows include it (the wall clock, with a caveat, when the
    store is empty)."""
    with read_only_session(deps.db) as session:
        newest = session.scalar(select(func.max(SilverReview.created_at)).where(SilverReview.status == "clean"))
    if newest is None:
        return ceil_hour(deps.clock()), ["the store has no reviews yet"]
    return newest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1), []


def _gold_lag(session: Any) -> str | None:
    scored = session.scalar(
        select(func.count())
        .select_from(SilverReview)
        .join(ReviewScoreRow, ReviewScoreRow.review_id == SilverReview.review_id)
        .where(SilverReview.status == "clean")
    )
    counted = session.scalar(select(func.count()).select_from(GoldContribution))
    if scored and counted is not None and counted < scored:
        return (
            f"the gold aggregates count {counted:,} of {scored:,} scored reviews; run `reviewops alerts "
            "rebuild-gold` for complete numbers"
        )
    return None


class _Nodes:
    def __init__(self, deps: ChatDeps) -> None:
        self.deps = deps

    def _llm(self, config: RunnableConfig | None) -> BaseChatModel | None:
        override = ((config or {}).get("configurable") or {}).get("chat_model", _UNSET)
        if override is not _UNSET:
            chosen: BaseChatModel | None = override
            return chosen
        try:
            return self.deps.chat_model()
        except LLMError as err:
            logger.warning("no chat model: %s", err)
            return None

    def understand(self, state: ChatState) -> dict[str, Any]:
        caveats: list[str] = []
        if state.get("as_of"):
            as_of = ceil_hour(datetime.fromisoformat(state["as_of"]))
        else:
            as_of, caveats = data_clock(self.deps)
        with read_only_session(self.deps.db) as session:
            vocabulary = load_vocabulary(session, self.deps.taxonomy, self.deps.gold)
        understood = understand(state["question"], vocabulary, as_of)
        return {"understanding": understood.model_dump(mode="json"), "as_of": as_of.isoformat(), "caveats": caveats}

    def route_understood(self, state: ChatState) -> str:
        understood = Understanding.model_validate(state["understanding"])
        if understood.refusal:
            return "refuse"
        return "clarify" if understood.unsure else "plan"

    def clarify(self, state: ChatState, config: RunnableConfig) -> dict[str, Any]:
        understood = Understanding.model_validate(state["understanding"])
        llm = self._llm(config)
        if llm is None:
            return {}
        try:
            chosen, result = pick_intent(
                llm,
                understood.question,
                intent_options(understood.candidates),
                timeout_seconds=self.deps.llm_timeout_seconds,
                backoff_seconds=self.deps.llm_backoff_seconds,
            )
        except LLMError as err:
            logger.info("intent stays with the rules: %s", err)
            return {"usage": _usage(state, None, getattr(err, "model", None))}
        update: dict[str, Any] = {"intent": chosen, "intent_by": result.model, "unsure": False}
        if chosen == "out_of_scope":
            update["refusal"] = NO_DATA_REFUSAL
        clarified = understood.model_copy(update=update)
        return {"understanding": clarified.model_dump(mode="json"), "usage": _usage(state, result, result.model)}

    def route_clarified(self, state: ChatState) -> str:
        return "refuse" if Understanding.model_validate(state["understanding"]).refusal else "plan"

    def plan(self, state: ChatState) -> dict[str, Any]:
        understood = Understanding.model_validate(state["understanding"])
        return {"plan": [request.model_dump(mode="json") for request in plan(understood)]}

    def query(self, state: ChatState) -> dict[str, Any]:
        requests = [QueryRequest.model_validate(r) for r in state.get("plan", [])]
        as_of = datetime.fromisoformat(state["as_of"])
        results: list[dict[str, Any]] = []
        with read_only_session(self.deps.db) as session:
            vocabulary = load_vocabulary(session, self.deps.taxonomy, self.deps.gold)
            reader = ChatReader(session, vocabulary, as_of, self.deps.index, self.deps.index_lock)
            if requests and (lag := _gold_lag(session)):
                reader.note(lag)
            for request in requests:
                try:
                    results.append(run_query(reader, request).model_dump(mode="json"))
                except QueryPlanError as err:
                    logger.warning("query %s not run: %s", request.kind, err)
                    reader.note(f"one query could not run ({err})")
        return {"results": results, "caveats": [*state.get("caveats", []), *reader.caveats]}

    def write(self, state: ChatState, config: RunnableConfig) -> dict[str, Any]:
        understood = Understanding.model_validate(state["understanding"])
        results = [QueryResult.model_validate(r) for r in state.get("results", [])]
        if not results:  # every planned query failed: nothing computed, nothing to say
            return self._refusal(state, NO_DATA_REFUSAL)
        draft = assemble(results, self.deps.max_citations)
        text, generated_by, prompt_ref, fallback, model = draft.rules_text, RULES, None, None, None
        usage = state.get("usage", {})
        llm = self._llm(config)
        if llm is not None:
            try:
                text, result = write_with_model(
                    llm,
                    understood.question,
                    draft,
                    timeout_seconds=self.deps.llm_timeout_seconds,
                    backoff_seconds=self.deps.llm_backoff_seconds,
                )
                generated_by = model = result.model
                prompt_ref = f"{ANSWER_PROMPT[0]}.{ANSWER_PROMPT[1]}"
                usage = _usage(state, result, result.model)
            except LLMError as err:
                logger.info("the rules write the answer: %s", err)
                model = getattr(err, "model", None)
                fallback = _fallback_reason(err)
        cited = draft.cited(text)
        answer = ChatAnswer(
            question=understood.question,
            answer=text,
            out_of_scope=False,
            intent=understood.intent,
            intent_by=understood.intent_by,
            facts=draft.facts,
            citations=cited,
            cited_review_ids=[citation.review_id for citation in cited],
            query_kinds=list(dict.fromkeys(result.kind for result in results)),
            queries=[QueryRequest(kind=r.kind, args=r.args) for r in results],
            window=understood.window,
            as_of=datetime.fromisoformat(state["as_of"]),
            prompt_version=prompt_ref,
            model=model or usage.get("model"),
            generated_by=generated_by,
            fallback_reason=fallback,
            caveats=state.get("caveats", []),
            input_tokens=usage.get("input_tokens"),
            output_tokens=usage.get("output_tokens"),
        )
        return {"answer": answer.model_dump(mode="json")}

    def refuse(self, state: ChatState) -> dict[str, Any]:
        understood = Understanding.model_validate(state["understanding"])
        return self._refusal(state, understood.refusal or NO_DATA_REFUSAL)

    def _refusal(self, state: ChatState, reason: str) -> dict[str, Any]:
        understood = Understanding.model_validate(state["understanding"])
        usage = state.get("usage", {})
        answer = ChatAnswer(
            question=understood.question,
            answer=reason,
            out_of_scope=True,
            intent="out_of_scope",
            intent_by=understood.intent_by,
            facts=[],
            citations=[],
            cited_review_ids=[],
            query_kinds=[],
            window=None,
            as_of=datetime.fromisoformat(state["as_of"]),
            model=usage.get("model"),
            generated_by=RULES,
            caveats=state.get("caveats", []),
            input_tokens=usage.get("input_tokens"),
            output_tokens=usage.get("output_tokens"),
        )
        return {"answer": answer.model_dump(mode="json")}


def _fallback_reason(err: LLMError) -> str:
    """Why the rules wrote the prose, in a line a manager can read."""
    if isinstance(err, StructuredOutputInvalid) and err.errors:
        return f"the model's answer was not grounded in the facts, even after one repair ({err.errors[-1]})"[:500]
    return f"no model answered ({type(err).__name__}: {err})"[:500]


def _usage(state: ChatState, result: StructuredResult[Any] | None, model: str | None) -> dict[str, Any]:
    usage = dict(state.get("usage") or {})
    if model:
        usage["model"] = model
    if result is not None:
        for key in ("input_tokens", "output_tokens"):
            value = getattr(result, key)
            if value is not None:
                usage[key] = (usage.get(key) or 0) + value
    return usage


def build_chat_graph(deps: ChatDeps) -> StateGraph[ChatState]:
    """The uncompiled chat graph over `deps`."""
    nodes = _Nodes(deps)
    graph: StateGraph[ChatState] = StateGraph(ChatState)
    graph.add_node("understand", nodes.understand)
    graph.add_node("clarify", nodes.clarify)
    graph.add_node("plan", nodes.plan)
    graph.add_node("query", nodes.query)
    graph.add_node("write", nodes.write)
    graph.add_node("refuse", nodes.refuse)
    graph.add_edge(START, "understand")
    graph.add_conditional_edges("understand", nodes.route_understood, ["refuse", "clarify", "plan"])
    graph.add_conditional_edges("clarify", nodes.route_clarified, ["refuse", "plan"])
    graph.add_edge("plan", "query")
    graph.add_edge("query", "write")
    graph.add_edge("write", END)
    graph.add_edge("refuse", END)
    return graph


def compile_chat_graph(deps: ChatDeps) -> CompiledStateGraph[Any]:
    """The chat graph compiled without a checkpointer: a question is answered in one pass and nothing is stored."""
    return build_chat_graph(deps).compile()
