"""The triage graph's durable checkpointer: a SQLite file under REVIEWOPS_HOME, or PostgreSQL by URL.

PostgreSQL connections need `autocommit=True` (so `.setup()`'s tables commit) and `row_factory=dict_row` (the saver
reads rows by column name); the pool checks a connection before lending it, because a thread can sit idle for the
length of an LLM call and a server or proxy may drop it meanwhile. `.setup()` runs once per URL per process.
State is JSON-native (agent/triage/state.py), so the serializer runs in strict msgpack mode.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

__all__ = ["CheckpointSettings", "checkpoint_url", "open_checkpointer", "strict_serializer"]

CHECKPOINT_FILE = "triage_checkpoints.sqlite"
_setup_lock = threading.Lock()
_set_up: set[str] = set()


class CheckpointSettings(BaseSettings):
    """Where triage threads are checkpointed (`REVIEWOPS_CHECKPOINT_URL`), defaulting beside the database."""

    model_config = SettingsConfigDict(env_prefix="REVIEWOPS_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".reviewops"), description="REVIEWOPS_HOME; the SQLite file goes here.")
    database_url: str | None = Field(default=None, description="REVIEWOPS_DATABASE_URL; a PostgreSQL one is reused.")
    checkpoint_url: str | None = Field(
        default=None, description="`sqlite:///path` or a PostgreSQL URL; default: PostgreSQL database or home file."
    )
    checkpoint_pool_size: int = Field(default=4, ge=1, le=64, description="PostgreSQL connections in the pool.")


def checkpoint_url(settings: CheckpointSettings | None = None) -> str:
    """The checkpointer URL: explicit, else the PostgreSQL database, else `<home>/triage_checkpoints.sqlite`."""
    settings = settings or CheckpointSettings()
    if settings.checkpoint_url:
        return settings.checkpoint_url
    if settings.database_url and settings.database_url.startswith("postgres"):
        return settings.database_url
    return f"sqlite:///{(settings.home / CHECKPOINT_FILE).resolve()}"


def strict_serializer() -> JsonPlusSerializer:
    """The checkpoint serializer: only LangGraph's built-in safe types are revived (our state is JSON-native)."""
    return JsonPlusSerializer(allowed_msgpack_modules=None)


@contextmanager
def open_checkpointer(url: str, *, pool_size: int = 4) -> Iterator[BaseCheckpointSaver[Any]]:
    """A ready checkpointer for `url` (tables created once), closed on exit."""
    if url.startswith("postgres"):
        with _postgres(url, pool_size) as saver:
            yield saver
        return
    if not url.startswith("sqlite:///"):
        raise ValueError(
            f"checkpoint URL {url!r} is neither `sqlite:///<path>` nor a PostgreSQL URL; "
            "set REVIEWOPS_CHECKPOINT_URL to one of them"
        )
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    # The saver serializes access with its own lock, so one connection may serve the graph's worker threads.
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        saver = SqliteSaver(conn, serde=strict_serializer())
        _setup_once(url, saver)
        yield saver
    finally:
        conn.close()


@contextmanager
def _postgres(url: str, pool_size: int) -> Iterator[BaseCheckpointSaver[Any]]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    pool: ConnectionPool[Any] = ConnectionPool(
        conninfo,
        min_size=1,
        max_size=pool_size,
        kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": 0},
        check=ConnectionPool.check_connection,
        timeout=30,
        open=True,
        name="reviewops-checkpoints",
    )
    try:
        saver = PostgresSaver(pool, serde=strict_serializer())
        _setup_once(conninfo, saver)
        yield saver
    finally:
        pool.close()


def _setup_once(key: str, saver: SqliteSaver | Any) -> None:
    with _setup_lock:
        if key not in _set_up:
            saver.setup()
            _set_up.add(key)
