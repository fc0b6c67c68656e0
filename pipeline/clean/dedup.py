"""Duplicate detection: an exact key for the same review arriving twice, MinHash LSH for pasted complaints.

The exact key is the SKU, the customer and the text with case, punctuation and spacing ignored; it ignores
channel and review id, so a storefront webhook and the CSV export of the same review collide. The customer is
in it because "Runs small." from two customers on one SKU is two signals, not one review twice; the same long
text from two customers is a pasted complaint, which the near-duplicate index reports.

Near-duplicates are found by the share of LSH bands two texts have in common, which estimates the Jaccard
similarity of their word 3-shingles; the index keeps only band hashes and review ids, in sorted numpy arrays
(16 bytes per band), for the most recent `max_docs` texts.
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib
from collections import Counter

import numpy as np
import numpy.typing as npt

from pipeline.clean.config import NearDuplicateConfig
from store.schemas import ReviewEvent

__all__ = ["NearDuplicateIndex", "dedup_key"]

_NON_ALNUM = re.compile(r"[\W_]+")
_DROP_ASCII_NON_ALNUM = {code: None for code in range(128) if not chr(code).isalnum()}  # same result, 4x faster
_WORD = re.compile(r"\w+")
_U64 = npt.NDArray[np.uint64]
# Odd 64-bit constants that spread the three word hashes of a shingle over 64 bits.
_SHINGLE_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def dedup_key(event: ReviewEvent, normalized_text: str) -> str:
    """sha256 of the SKU, the customer id and the lowercased alphanumeric-only text: one review from any channel.

    Without a customer id there is no writer to match across channels, so the review's own id stands in:
    identical short texts from anonymous app-store users ("Okay app.") are separate reviews, not duplicates.
    """
    folded = normalized_text.casefold()
    content = folded.translate(_DROP_ASCII_NON_ALNUM) if folded.isascii() else _NON_ALNUM.sub("", folded)
    writer = event.customer_id or f"anonymous:{event.review_id}"
    return hashlib.sha256(f"{event.sku or ''}\x1f{writer}\x1f{content}".encode()).hexdigest()


class NearDuplicateIndex:
    """Remembers texts by their MinHash LSH bands and finds the earliest one a new text nearly repeats."""

    def __init__(self, config: NearDuplicateConfig | None = None) -> None:
        self.config = config or NearDuplicateConfig()
        rows = self.config.num_perm // self.config.bands
        self._min_matching_bands = max(1, math.ceil(self.config.bands * self.config.threshold**rows - 1e-9))
        rng = np.random.default_rng(self.config.seed)
        self._perm_mul: _U64 = _random_odd(rng, self.config.num_perm)
        self._perm_add: _U64 = rng.integers(0, 2**63, self.config.num_perm, dtype=np.uint64)
        self._band_mul: _U64 = _random_odd(rng, self.config.num_perm).reshape(self.config.bands, rows)
        self._band_salt: _U64 = rng.integers(0, 2**63, self.config.bands, dtype=np.uint64)
        self._table = _BandTable()
        self._ids: list[str] = []  # review id of sequence number `_first_seq + i`
        self._first_seq = 0
        self._seq_of: dict[str, int] = {}
        # find() then add() of one text (what the cleaner does) hashes it and looks its bands up once.
        self._memo: tuple[str, _U64 | None] | None = None
        self._memo_owners: tuple[int, list[int]] | None = None  # (table version, owners of the memo's bands)

    def __len__(self) -> int:
        return len(self._seq_of)

    def __contains__(self, review_id: object) -> bool:
        return review_id in self._seq_of

    def add(self, review_id: str, text: str) -> bool:
        """Index `text` under `review_id`; False when it is too short or the id is already indexed."""
        if review_id in self._seq_of:
            return False
        bands = self._bands(text)
        if bands is None:
            return False
        seq = self._first_seq + len(self._ids)
        self._table.claim(bands, seq, self._owners(bands))
        self._ids.append(review_id)
        self._seq_of[review_id] = seq
        if self._table.wants_compaction():
            self._forget_before(max(self._first_seq, seq + 1 - self.config.max_docs))
        return True

    def find(self, text: str, *, before: str | None = None) -> str | None:
        """Id of the earliest indexed text that `text` nearly duplicates, or None.

        With `before` (an indexed review id), only texts indexed before it count: re-checking a review never
        answers with itself or a later one.
        """
        bands = self._bands(text)
        if bands is None:
            return None
        limit: float = math.inf if before is None else self._seq_of.get(before, math.inf)
        counts = Counter(seq for seq in self._owners(bands) if self._first_seq <= seq < limit)
        matches = [seq for seq, count in counts.items() if count >= self._min_matching_bands]
        return self._ids[min(matches) - self._first_seq] if matches else None

    def _bands(self, text: str) -> _U64 | None:
        if self._memo is not None and self._memo[0] == text:
            return self._memo[1]
        bands = self._compute_bands(text)
        self._memo, self._memo_owners = (text, bands), None
        return bands

    def _owners(self, bands: _U64) -> list[int]:
        """Owners of `bands` (which must be the memo's), looked up once per table version."""
        if self._memo_owners is None or self._memo_owners[0] != self._table.version:
            self._memo_owners = (self._table.version, self._table.owners(bands))
        return self._memo_owners[1]

    def _compute_bands(self, text: str) -> _U64 | None:
        words = _WORD.findall(text.lower())
        if len(words) < self.config.min_words:
            return None
        hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
        shingles = hashes[:-2] * _SHINGLE_MIX[0] + hashes[1:-1] * _SHINGLE_MIX[1] + hashes[2:]
        # All permutations at once: a (shingles x num_perm) matrix, min per column = the MinHash signature.
        signature = (shingles[:, None] * self._perm_mul + self._perm_add).min(axis=0)
        bands: _U64 = (signature.reshape(self._band_mul.shape) * self._band_mul).sum(axis=1, dtype=np.uint64)
        return bands + self._band_salt

    def _forget_before(self, oldest_seq: int) -> None:
        """Drop texts with a sequence number below `oldest_seq` (called at compaction, so memory stays bounded)."""
        drop = oldest_seq - self._first_seq
        for review_id in self._ids[:drop]:
            del self._seq_of[review_id]
        del self._ids[:drop]
        self._first_seq = oldest_seq
        self._table.compact(oldest_seq)


class _BandTable:
    """Band hash -> sequence number of the first text that had it: sorted numpy arrays plus a dict of recent claims."""

    def __init__(self) -> None:
        self._keys: _U64 = np.empty(0, dtype=np.uint64)
        self._seqs: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._recent: dict[int, int] = {}
        self.version = 0  # bumped on every change, so cached owner lookups know they are stale

    def owners(self, bands: _U64) -> list[int]:
        """For each band, the sequence number that owns it, or -1."""
        if len(self._keys):
            positions = np.searchsorted(self._keys, bands)
            positions[positions == len(self._keys)] = 0
            found = self._keys[positions] == bands
            owners: list[int] = np.where(found, self._seqs[positions], -1).tolist()
        else:
            owners = [-1] * len(bands)
        if self._recent:
            get = self._recent.get
            owners = [owner if owner >= 0 else get(key, -1) for owner, key in zip(owners, bands.tolist(), strict=True)]
        return owners

    def claim(self, bands: _U64, seq: int, owners: list[int]) -> None:
        """Give `seq` every band nobody owns yet (`owners` from `owners(bands)`; the first text keeps a band)."""
        self.version += 1
        for owner, key in zip(owners, bands.tolist(), strict=True):
            if owner < 0:
                self._recent.setdefault(key, seq)

    def wants_compaction(self) -> bool:
        # Merging copies the sorted arrays, so merge when the dict holds 1/8 of them: amortized O(1) per band.
        return len(self._recent) >= max(65_536, len(self._keys) // 8)

    def compact(self, oldest_seq: int) -> None:
        """Merge recent claims into the sorted arrays and drop bands owned by texts older than `oldest_seq`."""
        self.version += 1
        new_keys = np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))
        new_seqs = np.fromiter(self._recent.values(), dtype=np.int64, count=len(self._recent))
        order = np.argsort(new_keys)
        keep = self._seqs >= oldest_seq
        keys, seqs = self._keys[keep], self._seqs[keep]
        positions = np.searchsorted(keys, new_keys[order])
        self._keys = np.insert(keys, positions, new_keys[order])
        self._seqs = np.insert(seqs, positions, new_seqs[order])
        fresh = self._seqs >= oldest_seq
        if not fresh.all():
            self._keys, self._seqs = self._keys[fresh], self._seqs[fresh]
        self._recent = {}


def _random_odd(rng: np.random.Generator, size: int) -> _U64:
    values: _U64 = rng.integers(0, 2**63, size, dtype=np.uint64)
    return (values << np.uint64(1)) | np.uint64(1)
