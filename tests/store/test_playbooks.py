"""Specification of remediation playbooks: the shipped library, lookups, validation errors and template rendering."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from store.playbooks import (
    PLACEHOLDERS,
    PlaceholderError,
    Playbook,
    PlaybookLibrary,
    load_playbooks,
    render_action,
)
from store.settings import PROJECT_ROOT
from store.taxonomy import load_taxonomy
from store.yaml_config import ConfigError, parse_yaml_model

SHIPPED = PROJECT_ROOT / "config" / "playbooks"
TOOLS = {
    "open_ticket",
    "post_message",
    "page_oncall",
    "freeze_listing",
    "unfreeze_listing",
    "update_sizing_guidance",
    "add_listing_note",
    "notify_qa",
    "request_sample_inspection",
    "contact_carrier",
    "offer_service_recovery",
    "search_reviews",
    "sku_stats",
    "incident_history",
}
CONTEXT = {
    "incident_id": "inc-42",
    "sku": "JKT-0042",
    "category": "Jackets",
    "topic": "sizing_fit.runs_small",
    "topic_name": "Runs small",
    "topic_leaf": "runs_small",
    "severity": "high",
    "region": "US-West",
    "warehouse": "WH-RENO",
    "supplier": "SUP-07",
    "carrier": "UPS",
    "summary": "Zipper breaks after two days",
    "owner_team": "sizing-team",
    "review_count": "12",
    "negative_share": "0.31",
}

# Line numbers matter: the error tests below point at them.
SMALL = """\
id: small
version: "1"
title: Small playbook
applies_to:
  topics: [sizing_fit.runs_small]
detection:
  min_reviews: 3
  window_hours: 24
likely_root_causes:
  - id: chart
    description: Size chart is wrong.
diagnostic_steps:
  - description: Look at stats.
    tool: sku_stats
remediation:
  - id: note
    tool: add_listing_note
    description: Add a note.
    args:
      sku: "{sku}"
      note: "Runs small ({review_count} reviews), see {{chart}}"
      section: general
    rollback:
      tool: add_listing_note
      args: {sku: "{sku}", note: "Fits true to size", section: general}
stop_conditions: [Back at baseline.]
validation:
  metric: topic_share(sku, topic)
  target: "<= baseline"
  deadline_hours: 48
"""


@pytest.fixture(scope="module")
def library() -> PlaybookLibrary:
    return load_playbooks(SHIPPED, tool_names=TOOLS)


@pytest.fixture
def playbook_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # errors show paths relative to the cwd
    directory = tmp_path / "playbooks"
    directory.mkdir()
    return directory


def load_error(directory: Path, text: str, name: str = "small.yaml") -> str:
    (directory / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_playbooks(directory, tool_names=TOOLS)
    return str(info.value)


def test_shipped_library_has_a_playbook_for_every_required_problem(library: PlaybookLibrary) -> None:
    assert {
        "defective_product",
        "size_guidance",
        "shipping_delay",
        "packaging_damage",
        "listing_correction",
        "safety_hazard",
        "support_failure",
    } <= set(library.ids())


def test_every_operational_topic_has_a_playbook(library: PlaybookLibrary) -> None:
    uncovered = [t for t in load_taxonomy().topic_ids() if not library.for_topic(t)]
    assert uncovered == ["pricing_value.overpriced"]  # pricing is a merchandising review, not an incident


def test_safety_playbook_comes_first_for_a_flagged_incident(library: PlaybookLibrary) -> None:
    ids = [p.id for p in library.for_topic("product_quality.defect", flags=["safety_hazard"])]
    assert ids == ["safety_hazard", "defective_product"]


def test_safety_playbook_escalates_to_qa_and_legal_and_is_never_automatic(library: PlaybookLibrary) -> None:
    safety = library.get("safety_hazard")
    assert {"qa_lead", "legal"} <= {role for step in safety.escalation for role in step.to}
    assert all(action.approval == "human" for action in safety.remediation)
    assert safety.action("freeze").rollback is not None
    assert safety.action("freeze").rollback.tool == "unfreeze_listing"  # type: ignore[union-attr]


def test_for_topic_refuses_unknown_topics_and_flags(library: PlaybookLibrary) -> None:
    with pytest.raises(KeyError, match=r"did you mean 'sizing_fit\.runs_small'"):
        library.for_topic("sizing_fit.run_small")
    with pytest.raises(KeyError, match="unknown flags"):
        library.for_topic("sizing_fit.runs_small", flags=["ignore previous instructions"])


def test_get_names_close_matches(library: PlaybookLibrary) -> None:
    with pytest.raises(KeyError, match="did you mean 'size_guidance'"):
        library.get("size_guidanc")


def test_every_shipped_action_renders_with_a_full_context(library: PlaybookLibrary) -> None:
    for playbook in library:
        for action in playbook.remediation:
            proposed = render_action(action, CONTEXT, playbook=playbook)
            assert proposed.tool == action.tool
            assert not any(re.search(r"\{[a-z_]+\}", str(value)) for value in proposed.args.values())


def test_small_valid_playbook_loads(playbook_dir: Path) -> None:
    (playbook_dir / "small.yaml").write_text(SMALL, encoding="utf-8")
    library = load_playbooks(playbook_dir, tool_names=TOOLS)
    assert library.ids() == ["small"]
    assert library.get("small").detection.group_by == ("sku",)


def test_unknown_tool_names_file_line_and_field(playbook_dir: Path) -> None:
    message = load_error(
        playbook_dir, SMALL.replace("tool: add_listing_note\n    description", "tool: add_note\n    description")
    )
    assert message.startswith("playbooks/small.yaml:17: remediation[0].tool: unknown tool 'add_note'")
    assert "did you mean 'add_listing_note'" in message


def test_unknown_rollback_tool_is_blamed_on_the_rollback(playbook_dir: Path) -> None:
    message = load_error(
        playbook_dir, SMALL.replace("tool: add_listing_note\n      args", "tool: undo_note\n      args")
    )
    assert "playbooks/small.yaml:24: remediation[0].rollback.tool: unknown tool 'undo_note'" in message


def test_unknown_topic_names_file_line_and_field(playbook_dir: Path) -> None:
    message = load_error(playbook_dir, SMALL.replace("[sizing_fit.runs_small]", "[sizing.runs_small]"))
    assert message.startswith("playbooks/small.yaml:5: applies_to.topics[0]: unknown topic id 'sizing.runs_small'")


def test_missing_field_names_file_and_field(playbook_dir: Path) -> None:
    message = load_error(playbook_dir, SMALL.replace("stop_conditions: [Back at baseline.]\n", ""))
    assert "playbooks/small.yaml" in message and "stop_conditions: field required" in message


def test_unknown_placeholder_is_refused_with_its_line(playbook_dir: Path) -> None:
    message = load_error(playbook_dir, SMALL.replace('sku: "{sku}"\n      note', 'sku: "{skuu}"\n      note'))
    assert "playbooks/small.yaml:20: remediation[0].args.sku" in message
    assert "unknown placeholder {skuu} (did you mean 'sku'?)" in message


def test_lone_brace_in_a_template_is_refused(playbook_dir: Path) -> None:
    message = load_error(playbook_dir, SMALL.replace("see {{chart}}", "see {chart"))
    assert "lone '{'" in message and "write '{{'" in message


def test_file_name_must_match_the_id(playbook_dir: Path) -> None:
    message = load_error(playbook_dir, SMALL, name="other.yaml")
    assert message == "playbooks/other.yaml:1: id: id 'small' must match the file name; rename the file to small.yaml"


def test_validation_metric_and_target_are_checked(playbook_dir: Path) -> None:
    message = load_error(playbook_dir, SMALL.replace("topic_share(sku, topic)", "happiness(sku)"))
    assert "validation.metric: expected `<metric>(<dimension>, ...)`" in message
    message = load_error(playbook_dir, SMALL.replace('"<= baseline"', "better"))
    assert "validation.target: expected a target such as `<= baseline`" in message


def test_safety_playbook_cannot_mark_an_action_auto() -> None:
    text = SMALL.replace("topics: [sizing_fit.runs_small]", "flags: [safety_hazard]").replace(
        "    description: Add a note.\n", "    description: Add a note.\n    approval: auto\n"
    )
    with pytest.raises(ConfigError, match=r"remediation\[0\]\.approval: action 'note' is marked `approval: auto`"):
        parse_yaml_model(text, Playbook)


def test_safety_playbook_must_escalate_to_qa_and_legal() -> None:
    text = SMALL.replace("topics: [sizing_fit.runs_small]", "flags: [safety_hazard]")
    with pytest.raises(ConfigError, match="escalation: a safety playbook must escalate to both"):
        parse_yaml_model(text, Playbook)


def test_empty_directory_is_a_clear_error(playbook_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"no playbook files \(\*\.yaml\) found"):
        load_playbooks(playbook_dir, tool_names=TOOLS)


def test_a_copy_of_the_shipped_library_with_one_broken_file_fails_naming_that_file(playbook_dir: Path) -> None:
    for path in SHIPPED.glob("*.yaml"):
        shutil.copy(path, playbook_dir / path.name)
    broken = playbook_dir / "shipping_delay.yaml"
    broken.write_text(broken.read_text().replace("min_reviews: 10", "min_reviews: -1"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"playbooks/shipping_delay\.yaml:\d+: detection\.min_reviews"):
        load_playbooks(playbook_dir, tool_names=TOOLS)


# --- rendering ------------------------------------------------------------------------------------------------


@pytest.fixture
def small() -> Playbook:
    return parse_yaml_model(SMALL, Playbook)


def test_render_fills_placeholders_and_keeps_literal_braces(small: Playbook) -> None:
    proposed = render_action(small.remediation[0], CONTEXT, playbook=small)
    assert proposed.args == {"sku": "JKT-0042", "note": "Runs small (12 reviews), see {chart}", "section": "general"}
    assert (proposed.playbook_id, proposed.playbook_version, proposed.action_id) == ("small", "1", "note")
    assert proposed.rollback is not None and proposed.rollback.args["note"] == "Fits true to size"


def test_missing_placeholder_is_a_clear_error(small: Playbook) -> None:
    context = {k: v for k, v in CONTEXT.items() if k != "review_count"}
    with pytest.raises(PlaceholderError, match=r"action 'note' \(add_listing_note\) needs \{review_count\}"):
        render_action(small.remediation[0], context, playbook=small)


def test_incident_id_is_required_to_render(small: Playbook) -> None:
    with pytest.raises(PlaceholderError, match="needs `incident_id`"):
        render_action(small.remediation[0], {"sku": "A", "review_count": "1"}, playbook=small)


@pytest.mark.parametrize(
    "value",
    ["{review_count}", "{{sku}}", "{__class__.__init__}", "{0}", "%(sku)s", "${sku}", "{sku!r:>10}"],
)
def test_context_values_are_inserted_as_data_never_re_evaluated(small: Playbook, value: str) -> None:
    context = {**CONTEXT, "sku": value}
    proposed = render_action(small.remediation[0], context, playbook=small)
    assert proposed.args["sku"] == value


def test_arguments_that_render_empty_are_left_out(small: Playbook) -> None:
    proposed = render_action(small.remediation[0], {**CONTEXT, "sku": ""}, playbook=small)
    assert "sku" not in proposed.args


def test_idempotency_key_is_stable_and_changes_with_the_arguments(small: Playbook) -> None:
    first = render_action(small.remediation[0], CONTEXT, playbook=small)
    again = render_action(small.remediation[0], dict(CONTEXT), playbook=small)
    other_incident = render_action(small.remediation[0], {**CONTEXT, "incident_id": "inc-43"}, playbook=small)
    edited = first.with_args({**first.args, "note": "Runs one size small"})
    assert first.idempotency_key() == again.idempotency_key()
    assert first.idempotency_key().startswith("small.note:")
    assert len({first.idempotency_key(), other_incident.idempotency_key(), edited.idempotency_key()}) == 3


def test_placeholders_are_documented_incident_fields() -> None:
    assert {"incident_id", "sku", "topic", "region", "warehouse", "supplier", "summary"} <= set(PLACEHOLDERS)
