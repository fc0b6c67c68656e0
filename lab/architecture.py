"""The house as imports: which room (top-level package) imports which, counted per import statement.

    python -m lab.architecture          # the room-to-room import matrix (markdown) and the allowed layering

tests/test_architecture.py holds the product to the same rules; docs/architecture.md shows the picture.
"""

from __future__ import annotations

import ast
from collections import Counter, defaultdict
from pathlib import Path

from store.settings import PROJECT_ROOT

__all__ = ["ALLOWED", "PRODUCT", "import_matrix", "imported_rooms", "main"]

PRODUCT: tuple[str, ...] = ("store", "prompts", "tools", "agent", "pipeline", "api")
"""The rooms that ship the product; none may import `lab`, `eval` or `tests`."""
ALLOWED: dict[str, frozenset[str]] = {
    "store": frozenset(),
    "prompts": frozenset(),
    "tools": frozenset({"store"}),
    "agent": frozenset({"store", "prompts", "tools"}),
    "pipeline": frozenset({"store", "agent", "tools"}),
    "api": frozenset({"store", "prompts", "tools", "agent", "pipeline"}),
    "lab": frozenset(PRODUCT),
    "eval": frozenset({*PRODUCT, "lab"}),
}
"""Room -> the rooms it may import (a layering: no cycles)."""
_KNOWN = frozenset({*ALLOWED, "tests"})


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def imported_rooms(room: str, root: Path = PROJECT_ROOT) -> dict[str, set[str]]:
    """Other rooms the modules of `room` import (module level and inside functions alike) -> the importing files."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted((root / room).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in _KNOWN and top != room:
                found[top].add(str(path.relative_to(root)))
    return dict(found)


def import_matrix(root: Path = PROJECT_ROOT) -> dict[str, Counter[str]]:
    """Room -> Counter of import statements naming each other room."""
    matrix: dict[str, Counter[str]] = {}
    for room in ALLOWED:
        counts: Counter[str] = Counter()
        for path in (root / room).rglob("*.py"):
            counts.update(t for name in _imports(path) if (t := name.split(".")[0]) in _KNOWN and t != room)
        matrix[room] = counts
    return matrix


def main() -> None:
    """Print the import matrix as a markdown table, marking imports the layering forbids."""
    rooms = list(ALLOWED)
    matrix = import_matrix()
    print("| room \\ imports | " + " | ".join(rooms) + " |")
    print("|---" * (len(rooms) + 1) + "|")
    for room in rooms:
        cells = []
        for other in rooms:
            count = matrix[room][other]
            cells.append("" if not count else f"{count}" + ("" if other in ALLOWED[room] else " ✗"))
        print(f"| {room} | " + " | ".join(cells) + " |")
    bad = sum(n for room in rooms for other, n in matrix[room].items() if other not in ALLOWED[room])
    print(f"\nimports the layering forbids: {bad}")


if __name__ == "__main__":
    main()
