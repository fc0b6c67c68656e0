"""Builders for alerting and gold tests: a migrated database and scored silver reviews without running the scorer."""

from __future__ import annotations

from pathlib import Path

from store.db import Database
from store.taxonomy import Taxonomy, load_taxonomy
from tests.review_rows import add_review as add_review  # re-exported: the alert tests build reviews with it

_TAXONOMY: Taxonomy | None = None


def taxonomy() -> Taxonomy:
    """The project's taxonomy, loaded once per test session."""
    global _TAXONOMY
    if _TAXONOMY is None:
        _TAXONOMY = load_taxonomy()
    return _TAXONOMY


def migrated_sqlite(tmp_path: Path, name: str = "alerts.db") -> Database:
    db = Database(f"sqlite:///{tmp_path / name}")
    db.migrate()
    return db
