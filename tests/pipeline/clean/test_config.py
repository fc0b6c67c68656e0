"""config/cleaning.yaml: the shipped file loads, and mistakes are reported with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.clean import CleaningConfig, NearDuplicateConfig, load_cleaning_config
from store.yaml_config import ConfigError

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "cleaning.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cleaning.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_loads() -> None:
    config = load_cleaning_config(SHIPPED)
    assert "no" in config.language.languages  # quoted in YAML: a bare `no` would be False
    assert config.near_duplicate.num_perm % config.near_duplicate.bands == 0


def test_shipped_config_equals_the_code_defaults() -> None:
    assert load_cleaning_config(SHIPPED) == CleaningConfig()


def test_default_path_is_the_config_dir() -> None:
    assert load_cleaning_config() == load_cleaning_config(SHIPPED)


def test_missing_keys_take_code_defaults(tmp_path: Path) -> None:
    config = load_cleaning_config(write(tmp_path, "near_duplicate:\n  threshold: 0.9\n"))
    assert config.near_duplicate.threshold == 0.9
    assert config.pii == CleaningConfig().pii


def test_invalid_order_regex_names_line_field_and_pattern(tmp_path: Path) -> None:
    path = write(tmp_path, "pii:\n  order_number_patterns:\n    - 'ORD-\\d{5,'\n    - '(unclosed'\n")
    with pytest.raises(ConfigError) as caught:
        load_cleaning_config(path)
    message = str(caught.value)
    assert ":4: pii.order_number_patterns[1]:" in message
    assert "'(unclosed' is not a valid regular expression" in message


def test_permutations_must_split_into_bands(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"near_duplicate.num_perm: num_perm \(100\) must be a multiple of bands"):
        load_cleaning_config(write(tmp_path, "near_duplicate:\n  num_perm: 100\n  bands: 32\n"))


def test_unknown_keys_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r":2: spam.promo_word: unknown field"):
        load_cleaning_config(write(tmp_path, "spam:\n  promo_word: [deal]\n"))


def test_language_codes_must_be_two_letters(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"language.languages\[1\]"):
        load_cleaning_config(write(tmp_path, "language:\n  languages: [en, english]\n"))


def test_threshold_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="threshold"):
        NearDuplicateConfig(threshold=1.5)
