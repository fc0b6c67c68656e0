"""Receivers: the default JSONL file per receiver, deduplicated on the idempotency key."""

from __future__ import annotations

import json

from pipeline.alerts import FileNotifier, MemoryNotifier, receiver_filename


def test_receiver_names_become_safe_file_names():
    assert receiver_filename("slack:#sizing-team") == "slack_sizing-team.jsonl"
    assert receiver_filename("email:returns@shop.example") == "email_returns_shop.example.jsonl"


def test_the_file_receiver_appends_one_line_per_key_even_across_restarts(tmp_path):
    FileNotifier(tmp_path).notify("jira:QA", {"title": "first"}, "k1")
    again = FileNotifier(tmp_path)  # a new process: it reads the keys already written
    again.notify("jira:QA", {"title": "first, retried"}, "k1")
    again.notify("jira:QA", {"title": "second"}, "k2")
    lines = [json.loads(line) for line in (tmp_path / "jira_QA.jsonl").read_text().splitlines()]
    assert [(line["title"], line["idempotency_key"]) for line in lines] == [("first", "k1"), ("second", "k2")]


def test_the_memory_receiver_keeps_each_key_once():
    notifier = MemoryNotifier()
    notifier.notify("a", {"n": 1}, "k")
    notifier.notify("a", {"n": 2}, "k")
    assert notifier.sent == [("a", {"n": 1}, "k")]
