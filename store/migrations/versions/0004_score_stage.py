"""review_scores.stage: which cascade stage scored the review (first_pass or semantic)

Revision ID: 0004_score_stage
Revises: 0001
Create Date: 2026-12-05 10:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_score_stage"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review_scores") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=16), nullable=False, server_default="first_pass"))


def downgrade() -> None:
    with op.batch_alter_table("review_scores") as batch:
        batch.drop_column("stage")
