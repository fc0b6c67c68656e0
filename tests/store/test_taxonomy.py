"""Specification of the canonical taxonomy: the shipped file, lookups, owners, validation errors and remapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.schemas import FLAG_NAMES, Urgency
from store.settings import PROJECT_ROOT
from store.taxonomy import Taxonomy, TaxonomyLookupError, check_remap_coverage, load_taxonomy
from store.yaml_config import ConfigError

CONFIG = PROJECT_ROOT / "config"

LEAF_IDS = [
    "product_quality.defect",
    "product_quality.material",
    "product_quality.durability",
    "sizing_fit.runs_small",
    "sizing_fit.runs_large",
    "sizing_fit.fit_cut",
    "shipping_delivery.late",
    "shipping_delivery.lost_or_wrong",
    "packaging.damaged",
    "listing_accuracy.photo_mismatch",
    "listing_accuracy.description_mismatch",
    "support_experience.unresponsive",
    "support_experience.returns_refunds",
    "pricing_value.overpriced",
]

# Line numbers matter: the error tests below point at them.
SMALL = """\
version: "2026.11"
status: draft
domains:
  - id: sizing_fit
    name: Sizing
    description: Size and fit.
    owner: {team: sizing-team, receiver: "slack:#sizing-team"}
    topics:
      - id: sizing_fit.runs_small
        name: Runs small
        description: Too small.
        severity: low
      - id: sizing_fit.runs_large
        name: Runs large
        description: Too big.
        severity: low
        owner:
          team: fit-lab
          receiver: "jira:FIT"
flags:
  - id: safety_hazard
    name: Safety
    description: Could hurt someone.
    severity: high
    owner: {team: qa-safety, receiver: "pagerduty:safety-oncall"}
remap:
  - {from_version: "2026.06", from: sizing.fit, to: [sizing_fit.runs_small, sizing_fit.runs_large]}
"""


@pytest.fixture(scope="module")
def current() -> Taxonomy:
    return load_taxonomy(CONFIG / "taxonomy.yaml")


@pytest.fixture(scope="module")
def v1() -> Taxonomy:
    return load_taxonomy(CONFIG / "taxonomy_v1.yaml")


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path, so error messages show the file as `taxonomy.yaml` (paths are shown relative to the cwd)."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped taxonomy ---------------------------------------------------------------------------------------


def test_default_taxonomy_is_published_with_a_yyyy_mm_version() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.status == "published"
    assert taxonomy.version == "2026.12"


def test_shipped_taxonomy_has_exactly_the_canonical_domains_and_leaf_ids(current: Taxonomy) -> None:
    assert [d.id for d in current.domains] == [
        "product_quality",
        "sizing_fit",
        "shipping_delivery",
        "packaging",
        "listing_accuracy",
        "support_experience",
        "pricing_value",
    ]
    assert current.topic_ids() == LEAF_IDS


def test_shipped_taxonomy_defines_every_scorer_flag(current: Taxonomy) -> None:
    assert sorted(current.flag_ids()) == sorted(FLAG_NAMES)


def test_every_topic_and_flag_has_an_owner_with_a_receiver(current: Taxonomy) -> None:
    for item_id in current.topic_ids() + current.flag_ids():
        owner = current.owner_for(item_id)
        assert owner.team and ":" in owner.receiver


def test_safety_hazard_is_owned_by_qa_safety(current: Taxonomy) -> None:
    owner = current.owner_for("safety_hazard")
    assert owner.team == "qa-safety"
    assert owner.receiver == "pagerduty:safety-oncall"
    assert current.severity_of("safety_hazard") == Urgency.high


def test_topic_owner_overrides_its_domain_owner(current: Taxonomy) -> None:
    assert current.owner_for("support_experience.returns_refunds").team == "returns"
    assert current.owner_for("support_experience.unresponsive").team == "cx-support"


def test_domain_of_a_leaf_is_its_prefix(current: Taxonomy) -> None:
    assert current.domain_of("sizing_fit.runs_small") == "sizing_fit"
    assert all(current.domain_of(t) == t.split(".")[0] for t in current.topic_ids())


def test_unknown_topic_raises_key_error_that_suggests_close_ids(current: Taxonomy) -> None:
    with pytest.raises(KeyError) as info:
        current.topic("sizing_fit.small")
    assert "unknown topic id 'sizing_fit.small'" in str(info.value)
    assert "did you mean 'sizing_fit.runs_small'" in str(info.value)


def test_owner_for_an_unknown_id_raises_lookup_error(current: Taxonomy) -> None:
    with pytest.raises(TaxonomyLookupError, match="unknown topic or flag id 'safety'"):
        current.owner_for("safety")


def test_topic_fields_carry_their_docstrings_as_descriptions() -> None:
    from store.taxonomy import Topic

    assert (
        Topic.model_fields["keywords"].description
        == "Short phrases of the topic across product categories; the semantic stage scores reviews against them."
    )


# --- validation errors name file, line and field ----------------------------------------------------------------


def test_small_taxonomy_is_valid(tmp_path: Path) -> None:
    taxonomy = load_taxonomy(write(tmp_path, SMALL))
    assert taxonomy.owner_for("sizing_fit.runs_large").team == "fit-lab"
    assert taxonomy.status == "draft"


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        pytest.param(
            "          team: fit-lab\n", "", 17, "domains[0].topics[1].owner.team", "field required", id="missing"
        ),
        pytest.param(
            "description: Too big.\n        severity: low",
            "description: Too big.\n        severity: urgent",
            16,
            "domains[0].topics[1].severity",
            "expected 'low', 'medium' or 'high' (got 'urgent')",
            id="wrong-value",
        ),
        pytest.param(
            "name: Runs small",
            "name: [Runs small]",
            10,
            "domains[0].topics[0].name",
            "expected a valid string",
            id="type",
        ),
        pytest.param(
            "- id: sizing_fit.runs_large",
            "- id: sizing_fit.runs_small",
            13,
            "domains[0].topics[1].id",
            "duplicate topic id 'sizing_fit.runs_small'",
            id="duplicate-id",
        ),
        pytest.param(
            "- id: sizing_fit.runs_large",
            "- id: fit.runs_large",
            13,
            "domains[0].topics[1].id",
            "must start with its domain id 'sizing_fit.'",
            id="leaf-prefix",
        ),
        pytest.param('version: "2026.11"', "version: 2026.11", 1, "version", "quoted string", id="unquoted-version"),
        pytest.param('version: "2026.11"', 'version: "v2"', 1, "version", 'expected a "YYYY.MM" version', id="version"),
        pytest.param("status: draft", "status: final", 2, "status", "expected 'draft' or 'published'", id="status"),
        pytest.param("- id: safety_hazard", "- id: fire", 21, "flags[0].id", "unknown flag 'fire'", id="flag-id"),
        pytest.param(
            '"slack:#sizing-team"',
            '"#sizing-team"',
            7,
            "domains[0].owner.receiver",
            "expected `<kind>:<target>`",
            id="receiver",
        ),
        pytest.param(
            "to: [sizing_fit.runs_small, sizing_fit.runs_large]",
            "to: [sizing_fit.runs_small, sizing_fit.too_big]",
            27,
            "remap[0].to[1]",
            "remap target 'sizing_fit.too_big' is not a topic id",
            id="remap-target",
        ),
        pytest.param(
            'from_version: "2026.06"',
            'from_version: "2026.12"',
            27,
            "remap[0].from_version",
            "must be older",
            id="remap-newer",
        ),
    ],
)
def test_invalid_taxonomy_error_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, message: str
) -> None:
    assert old in SMALL
    with pytest.raises(ConfigError) as info:
        load_taxonomy(write(tmp_path, SMALL.replace(old, new, 1)))
    (issue,) = info.value.issues
    assert (issue.line, issue.field) == (line, field)
    assert message in issue.message
    assert str(info.value) == f"taxonomy.yaml:{line}: {field}: {issue.message}"


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_taxonomy(write(tmp_path, SMALL.replace("name: Runs small", "name: Runs: small")))
    assert str(info.value).startswith("taxonomy.yaml:10: YAML syntax error: ")


def test_missing_taxonomy_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_taxonomy(tmp_path / "nope.yaml")


# --- remapping older labels -------------------------------------------------------------------------------------


def test_old_version_is_a_valid_older_taxonomy(current: Taxonomy, v1: Taxonomy) -> None:
    assert v1.version == "2026.06"
    assert v1.version in current.remap_versions()
    assert "sizing.fit" in v1.topic_ids()


def test_every_leaf_of_the_old_version_maps_to_current_ids(current: Taxonomy, v1: Taxonomy) -> None:
    assert check_remap_coverage(current, v1) == []
    for label in v1.topic_ids():
        targets = current.remap_label(label, v1.version)
        assert targets and set(targets) <= set(current.topic_ids())


def test_one_old_label_can_map_to_several_current_leaves(current: Taxonomy) -> None:
    assert current.remap_label("sizing.fit", "2026.06") == [
        "sizing_fit.runs_small",
        "sizing_fit.runs_large",
        "sizing_fit.fit_cut",
    ]


def test_several_old_labels_can_map_to_one_current_leaf(current: Taxonomy) -> None:
    assert current.remap_label("quality.broken", "2026.06") == ["product_quality.defect"]
    assert current.remap_label("quality.stopped_working", "2026.06") == ["product_quality.defect"]


def test_unchanged_leaf_of_an_old_version_maps_to_itself(current: Taxonomy) -> None:
    assert current.remap_label("packaging.damaged", "2026.06") == ["packaging.damaged"]


def test_label_of_the_current_version_maps_to_itself(current: Taxonomy) -> None:
    assert current.remap_label("sizing_fit.fit_cut", "2026.11") == ["sizing_fit.fit_cut"]


def test_label_from_an_unknown_version_raises_naming_the_known_versions(current: Taxonomy) -> None:
    with pytest.raises(TaxonomyLookupError) as info:
        current.remap_label("sizing.fit", "2025.01")
    assert "no remap rules from version '2025.01'" in str(info.value)
    assert "2026.06" in str(info.value)


def test_unmapped_label_of_a_known_version_raises_saying_what_to_add(current: Taxonomy) -> None:
    with pytest.raises(TaxonomyLookupError, match="add a `remap` entry"):
        current.remap_label("sizing.colour", "2026.06")


def test_coverage_check_reports_an_old_leaf_without_a_rule(current: Taxonomy, v1: Taxonomy) -> None:
    data = current.model_dump(by_alias=True)
    data["remap"] = [rule for rule in data["remap"] if rule["from"] != "delivery.late"]
    problems = check_remap_coverage(Taxonomy.model_validate(data), v1)
    assert len(problems) == 1
    assert "'delivery.late'" in problems[0]
