"""The scorer's label space, the labeled seed set and star-rated CSV readers, and their fixed train/held-out splits."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from store.schemas import FLAG_NAMES, Sentiment, Urgency

__all__ = [
    "CSV_HELDOUT_PERCENT",
    "SEED_HELDOUT_PERCENT",
    "SENTIMENT_LABELS",
    "TOPIC_LABELS",
    "URGENCY_LABELS",
    "LabeledDataError",
    "LabeledReview",
    "Split",
    "StarReview",
    "csv_split",
    "food_split",
    "heldout_texts",
    "load_food_reviews",
    "load_labeled_reviews",
    "load_star_reviews",
    "normalized_text",
    "parse_labeled_rows",
    "review_document",
    "seed_split",
    "stars_to_sentiment",
]

TOPIC_LABELS: tuple[str, ...] = (
    "product_quality.defect",
    "product_quality.material",
    "product_quality.durability",
    "sizing_fit.runs_small",
    "sizing_fit.runs_large",
    "sizing_fit.fit_cut",
    "shipping_delivery.late",
    "shipping_delivery.lost_or_wrong",
    "packaging.damaged",
    "listing_accuracy.photo_mismatch",
    "listing_accuracy.description_mismatch",
    "support_experience.unresponsive",
    "support_experience.returns_refunds",
    "pricing_value.overpriced",
)
"""Taxonomy leaf ids the topic heads predict (docs/handoff_common.md)."""

SENTIMENT_LABELS: tuple[str, ...] = tuple(s.value for s in Sentiment)
URGENCY_LABELS: tuple[str, ...] = tuple(u.value for u in Urgency)

SEED_HELDOUT_PERCENT = 25
CSV_HELDOUT_PERCENT = 20

Split = Literal["train", "heldout"]


class LabeledDataError(ValueError):
    """A labeled example or CSV row is malformed; the message names the file, line, field and value."""


def _bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def seed_split(example_id: str) -> Split:
    """The fixed split of a seed example: ~25% held out, by a hash of its id (never chosen by hand)."""
    return "heldout" if _bucket(example_id) < SEED_HELDOUT_PERCENT else "train"


def csv_split(row_index: int) -> Split:
    """The fixed split of a star-rated CSV row: ~20% held out, by a hash of its row index."""
    return "heldout" if _bucket(f"csv:{row_index}") < CSV_HELDOUT_PERCENT else "train"


def food_split(row: int) -> Split:
    """The fixed split of a food-review CSV row: ~20% held out, by a hash of its `row` number."""
    return "heldout" if _bucket(f"food:{row}") < CSV_HELDOUT_PERCENT else "train"


def review_document(title: str, text: str) -> str:
    """The one string every head sees: title and text joined, exactly as in training."""
    title = title.strip()
    return f"{title}. {text}" if title else text


_SPACES = re.compile(r"\s+")


def normalized_text(title: str, text: str) -> str:
    """Case- and whitespace-folded document, used to keep held-out texts out of training."""
    return _SPACES.sub(" ", review_document(title, text)).strip().lower()


def stars_to_sentiment(rating: int) -> Sentiment:
    """Map stars to the sentiment proxy used for the CSV: 1-2 negative, 3 neutral, 4-5 positive."""
    if rating <= 2:
        return Sentiment.negative
    return Sentiment.neutral if rating == 3 else Sentiment.positive


class LabeledReview(BaseModel):
    """One labeled example (a seed-set line or a human label from the db); labels describe the text only."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, description="Stable id; the seed split is a hash of it.")
    title: str = ""
    text: str = Field(min_length=1)
    rating: int | None = Field(default=None, ge=1, le=5, description="Stars if known; never a feature.")
    sentiment: Sentiment
    topics: list[str] = Field(default_factory=list, description="Taxonomy leaf ids that the text is about.")
    urgency: Urgency
    flags: list[str] = Field(default_factory=list, description="Subset of store.schemas.FLAG_NAMES.")
    split: Split = "train"
    note: str | None = Field(default=None, description="Why a tricky example is labeled as it is.")
    author: str | None = Field(default=None, description="Who labeled it, for human labels from the db.")

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: list[str]) -> list[str]:
        unknown = sorted(set(topics) - set(TOPIC_LABELS))
        if unknown:
            raise ValueError(f"unknown topic id(s) {unknown}; use one of {list(TOPIC_LABELS)}")
        return topics

    @field_validator("flags")
    @classmethod
    def _known_flags(cls, flags: list[str]) -> list[str]:
        unknown = sorted(set(flags) - set(FLAG_NAMES))
        if unknown:
            raise ValueError(f"unknown flag(s) {unknown}; use one of {list(FLAG_NAMES)}")
        return flags

    @property
    def document(self) -> str:
        return review_document(self.title, self.text)


def _validate(row: Mapping[str, Any], where: str) -> LabeledReview:
    try:
        return LabeledReview.model_validate(row)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']} (value {err.get('input')!r})"
            for err in exc.errors()
        )
        raise LabeledDataError(f"{where}: {problems}") from None


def parse_labeled_rows(rows: Iterable[Mapping[str, Any]], source: str) -> list[LabeledReview]:
    """Validate labeled rows from any source (e.g. human labels in the db); errors name `source` and the row."""
    return [_validate(row, f"{source} row {i}") for i, row in enumerate(rows, start=1)]


def load_labeled_reviews(path: Path) -> list[LabeledReview]:
    """Read and validate the seed JSONL; each line's `split` must equal `seed_split(id)` and ids must be unique."""
    if not path.is_file():
        raise LabeledDataError(f"{path}: seed set not found; it ships in the repo at data/seed/labeled_reviews.jsonl")
    examples: list[LabeledReview] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{line_no}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabeledDataError(f"{where}: not valid JSON ({exc.msg}); each line must be one object") from None
            example = _validate(row, where)
            if "split" not in row or example.split != seed_split(example.id):
                raise LabeledDataError(
                    f"{where}: field split is {row.get('split')!r} but the hash of id {example.id!r} puts it in "
                    f"{seed_split(example.id)!r}; splits are derived, never edited by hand"
                )
            if example.id in seen:
                raise LabeledDataError(f"{where}: field id {example.id!r} already used on line {seen[example.id]}")
            seen[example.id] = line_no
            examples.append(example)
    return examples


class StarReview(NamedTuple):
    """One row of a star-rated review CSV, with its stars mapped to a sentiment proxy."""

    row_index: int
    title: str
    text: str
    rating: int
    sentiment: Sentiment
    split: Split
    corpus: str = "clothing"
    """Which star-rated dataset the row comes from (`clothing`, `food`): the domain of cross-domain splits."""

    @property
    def document(self) -> str:
        return review_document(self.title, self.text)


_CSV_COLUMNS = ("", "Title", "Review Text", "Rating")


def load_star_reviews(csv_path: Path) -> list[StarReview]:
    """Read the women's clothing reviews CSV; rows with empty review text are skipped (the pipeline drops them)."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LabeledDataError(f"{csv_path}: missing column(s) {missing}; expected {list(_CSV_COLUMNS)}")
        reviews: list[StarReview] = []
        for line_no, row in enumerate(reader, start=2):
            text = (row["Review Text"] or "").strip()
            if not text:
                continue
            try:
                row_index, rating = int(row[""]), int(row["Rating"])
            except ValueError:
                raise LabeledDataError(
                    f"{csv_path}:{line_no}: row index {row['']!r} or Rating {row['Rating']!r} is not an integer"
                ) from None
            reviews.append(
                StarReview(
                    row_index,
                    (row["Title"] or "").strip(),
                    text,
                    rating,
                    stars_to_sentiment(rating),
                    csv_split(row_index),
                )
            )
    return reviews


_FOOD_COLUMNS = ("row", "Score", "Summary", "Text")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def load_food_reviews(csv_path: Path) -> list[StarReview]:
    """Read the Amazon fine food reviews CSV (row, Score, Summary, Text); `<br />` breaks become spaces."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _FOOD_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LabeledDataError(f"{csv_path}: missing column(s) {missing}; expected {list(_FOOD_COLUMNS)}")
        reviews: list[StarReview] = []
        for line_no, row in enumerate(reader, start=2):
            text = _SPACES.sub(" ", _HTML_BREAK.sub(" ", row["Text"] or "")).strip()
            if not text:
                continue
            try:
                row_number, rating = int(row["row"]), int(row["Score"])
            except ValueError:
                raise LabeledDataError(
                    f"{csv_path}:{line_no}: row {row['row']!r} or Score {row['Score']!r} is not an integer"
                ) from None
            title = (row["Summary"] or "").strip()
            reviews.append(
                StarReview(row_number, title, text, rating, stars_to_sentiment(rating), food_split(row_number), "food")
            )
    return reviews


def heldout_texts(seed: Sequence[LabeledReview], stars: Sequence[StarReview]) -> set[str]:
    """Normalized texts of every held-out example, so that no extra label can smuggle one into training."""
    texts = {normalized_text(e.title, e.text) for e in seed if e.split == "heldout"}
    texts.update(normalized_text(r.title, r.text) for r in stars if r.split == "heldout")
    return texts
