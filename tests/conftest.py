"""Shared fixtures: every test gets its own REVIEWOPS_HOME; nothing touches the network or the user's state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_CSV = REPO_ROOT.parent / "shared" / "data" / "womens_clothing_reviews.csv"
POSTGRES_URL = os.environ.get("REVIEWOPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def shared_csv() -> Path:
    if not SHARED_CSV.exists():
        pytest.skip(f"the real dataset is not at {SHARED_CSV}")
    return SHARED_CSV


@pytest.fixture
def postgres_url() -> object:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards; skips when no server answers."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"reviewops_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as err:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {err.orig}")
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def trained_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scorer artifact trained once per test session from the seed set (no CSV: keeps it fast)."""
    from agent.scorer import train_scorer

    out = tmp_path_factory.mktemp("models")
    train_scorer(REPO_ROOT / "data" / "seed" / "labeled_reviews.jsonl", out, csv_path=None)
    return out


@pytest.fixture
def settings(tmp_path: Path, trained_models_dir: Path):
    """Settings with a private REVIEWOPS_HOME that shares the session's trained scorer."""
    from store.settings import Settings

    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(trained_models_dir, target_is_directory=True)
    return Settings(home=home, shared_csv=tmp_path / "no-such.csv")
