"""Specification of the layout: each room imports only the rooms below it, and no product room imports simulation,
measurement or the eval harness (docs/architecture.md draws the same picture with `python -m lab.architecture`)."""

from __future__ import annotations

import pytest

from lab.architecture import ALLOWED, PRODUCT, imported_rooms
from store.settings import PROJECT_ROOT


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_a_room_imports_only_the_rooms_below_it(room: str) -> None:
    forbidden = {other: sorted(files) for other, files in imported_rooms(room).items() if other not in ALLOWED[room]}
    assert forbidden == {}


def test_no_product_room_imports_simulation_measurement_or_the_harness() -> None:
    for room in PRODUCT:
        assert not {"lab", "eval", "tests"} & set(imported_rooms(room)), room


def test_a_forbidden_import_is_found_even_inside_a_function(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "late.py").write_text("def f():\n    from lab.demo import stream\n    return stream\n")
    assert imported_rooms("store", tmp_path) == {"lab": {"store/late.py"}}


def test_every_top_level_package_is_a_known_room() -> None:
    packages = {p.parent.name for p in PROJECT_ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(ALLOWED)


def test_the_allowed_imports_have_no_cycle() -> None:
    placed: set[str] = set()
    while len(placed) < len(ALLOWED):
        ready = {room for room in ALLOWED if room not in placed and ALLOWED[room] <= placed}
        assert ready, f"cycle among {sorted(set(ALLOWED) - placed)}"
        placed |= ready
