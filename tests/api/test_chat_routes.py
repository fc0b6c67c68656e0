"""`reviewops chat` and `POST /chat`: thin routes over the chat service, on a store with known counts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from store.embeddings import HashingEmbedder
from tests.agent.chat.conftest import AS_OF, DEFECT, ChatWorld, make_world

runner = CliRunner()
QUESTION = "How many zipper complaints did JKT-0125 get in the last 7 days?"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatWorld]:
    built = make_world(tmp_path)
    built.many(4, "The zipper broke", start=AS_OF - timedelta(hours=2), step_hours=20, topics=(DEFECT,))
    built.review("Lovely jacket", at=AS_OF - timedelta(hours=30), topics=(), sentiment="positive", rating=5)
    monkeypatch.setenv("REVIEWOPS_HOME", str(built.settings.home))
    monkeypatch.setenv("REVIEWOPS_LLM_PROVIDER", "ollama")  # no model is reachable: answers fall back to rules
    monkeypatch.setenv("REVIEWOPS_LLM_MODEL", "none")
    monkeypatch.setenv("REVIEWOPS_LLM_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("REVIEWOPS_LLM_MAX_RETRIES", "0")
    # The real MiniLM takes seconds to load; the Chroma path is the same with the hashing embedder.
    monkeypatch.setattr("store.embeddings.ReviewEmbedder.from_settings", lambda *a, **k: HashingEmbedder(64))
    yield built
    built.close()


def test_cli_chat_prints_the_answer_its_citations_and_what_wrote_it(world: ChatWorld) -> None:
    result = runner.invoke(cli, ["chat", QUESTION, "--no-llm"])
    assert result.exit_code == 0, result.output
    assert "There were 4 complaints about Defect for JKT-0125" in result.output
    assert "R1 storefront:T-" in result.output and "written by rules" in result.output


def test_cli_chat_json_is_the_whole_answer_object(world: ChatWorld) -> None:
    result = runner.invoke(cli, ["chat", QUESTION, "--no-llm", "--no-index", "--json", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["query_kinds"] == ["count_reviews"] and answer["generated_by"] == "rules"
    assert {f["name"]: f["value"] for f in answer["facts"]}["matching"] == 4
    assert len(answer["cited_review_ids"]) == 3 and answer["as_of"].startswith("2026-11-15T00:00:00")


def test_cli_chat_with_an_unreachable_model_still_answers_by_rules_and_says_why(world: ChatWorld) -> None:
    result = runner.invoke(cli, ["chat", QUESTION, "--no-index"])
    assert result.exit_code == 0, result.output
    assert "There were 4 complaints" in result.output and "no model answered" in result.output


def test_cli_chat_refuses_actions_and_rejects_an_empty_question(world: ChatWorld) -> None:
    refused = runner.invoke(cli, ["chat", "Freeze the listing for JKT-0125", "--no-llm"])
    assert refused.exit_code == 0 and "only reads the data" in refused.output
    empty = runner.invoke(cli, ["chat", "   ", "--no-llm"])
    assert empty.exit_code == 2 and "the question is empty" in empty.output


@pytest.fixture
def client(world: ChatWorld) -> TestClient:
    keys = "view-key:viewer,in-key:ingest"
    return TestClient(create_app(world.settings.model_copy(update={"api_keys": keys})))


def test_post_chat_needs_a_viewer_key_and_answers_with_facts_and_citations(client: TestClient) -> None:
    assert client.post("/chat", json={"question": QUESTION}).status_code == 401
    response = client.post("/chat", json={"question": QUESTION, "use_llm": False}, headers={"X-API-Key": "view-key"})
    assert response.status_code == 200
    answer = response.json()
    assert answer["answer"].startswith("There were 4 complaints about Defect for JKT-0125")
    assert answer["cited_review_ids"] and all(c["sku"] == "JKT-0125" for c in answer["citations"])
    assert answer["out_of_scope"] is False and answer["generated_by"] == "rules"


def test_post_chat_refuses_out_of_scope_and_validates_the_body(client: TestClient) -> None:
    headers = {"X-API-Key": "in-key"}  # ingest ranks above viewer
    refused = client.post("/chat", json={"question": "What's the weather?", "use_llm": False}, headers=headers)
    assert refused.status_code == 200 and refused.json()["out_of_scope"] is True
    assert client.post("/chat", json={"question": ""}, headers=headers).status_code == 422
    blank = client.post("/chat", json={"question": "   ", "use_llm": False}, headers=headers)
    assert blank.status_code == 422 and "empty" in blank.json()["detail"]
