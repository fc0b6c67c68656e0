"""The tools package's public surface is pinned: changing it is a deliberate, reviewed decision."""

from __future__ import annotations

import tools


def test_public_api_is_pinned() -> None:
    assert sorted(tools.__all__) == [
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
    for name in tools.__all__:
        assert hasattr(tools, name)
