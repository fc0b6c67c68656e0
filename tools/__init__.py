"""Playbook tools: a registry of side-effecting and read-only tools, the outbox they write to, and its senders.

Run a side-effecting tool with `enqueue_action(session, tool, args, key=...)` (validates the arguments, builds the
payload, stores it under an idempotency key); deliver with `deliver_pending(db.session, Senders(SenderSettings()))`.
Delivery is at-least-once and every request carries an `Idempotency-Key` header (see tools/outbox.py).
"""

from tools.actions import (
    PlaybookTool,
    ToolArgsError,
    approval_requirement,
    build_payload,
    edited_args,
    enqueue_action,
    get_tool,
    playbook_library,
    playbook_tool,
    registered_tool_names,
    validate_args,
)
from tools.outbox import DeliveryReport, IdempotencyConflict, RetryPolicy, deliver_pending, enqueue, requeue
from tools.readonly import IncidentHistoryArgs, SearchReviewsArgs, SkuStatsArgs
from tools.senders import (
    ConsoleSender,
    DeliveryResult,
    FileSender,
    Sender,
    Senders,
    SenderSettings,
    WebhookSender,
    resolve_sender,
)

__all__ = [
    "ConsoleSender",
    "DeliveryReport",
    "DeliveryResult",
    "FileSender",
    "IdempotencyConflict",
    "IncidentHistoryArgs",
    "PlaybookTool",
    "RetryPolicy",
    "SearchReviewsArgs",
    "Sender",
    "SenderSettings",
    "Senders",
    "SkuStatsArgs",
    "ToolArgsError",
    "WebhookSender",
    "approval_requirement",
    "build_payload",
    "deliver_pending",
    "edited_args",
    "enqueue",
    "enqueue_action",
    "get_tool",
    "playbook_library",
    "playbook_tool",
    "registered_tool_names",
    "requeue",
    "resolve_sender",
    "validate_args",
]
