"""Scripted LangChain fake chat models shared by the agent tests (triage and chat)."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

__all__ = ["Script", "fake_model"]


class Script:
    """Replies for GenericFakeChatModel in turn, the last one repeated; exceptions are raised (every time).

    A reply is text, or an `AIMessage` given as is (to carry usage metadata); `calls` counts the model calls.
    """

    def __init__(self, *replies: str | AIMessage | BaseException) -> None:
        self.replies = list(replies)
        self.calls = 0

    def __iter__(self) -> Script:
        return self

    def __next__(self) -> AIMessage:
        reply = self.replies[min(self.calls, len(self.replies) - 1)]
        self.calls += 1
        if isinstance(reply, BaseException):
            raise reply
        return reply if isinstance(reply, AIMessage) else AIMessage(content=reply)


def fake_model(*replies: str | AIMessage | BaseException) -> GenericFakeChatModel:
    """A chat model that gives these replies in turn, then repeats the last one forever."""
    return GenericFakeChatModel(messages=Script(*replies))
