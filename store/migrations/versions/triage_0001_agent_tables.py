"""triage agent: graph threads, approval gates, triaged reviews, decision feedback

Revision ID: triage_0001
Revises: 0001
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "triage_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_threads",
        sa.Column("thread_id", sa.String(length=420), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("started_at", store.tables.UTCDateTime(), nullable=False),
        sa.Column("updated_at", store.tables.UTCDateTime(), nullable=False),
        sa.Column("first_gate_seconds", sa.Float(), nullable=True),
        sa.Column("generated_by", sa.String(length=128), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lease_until", store.tables.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("thread_id"),
    )
    op.create_index("ix_triage_threads_incident_id", "triage_threads", ["incident_id"])

    op.create_table(
        "approval_gates",
        sa.Column("approval_id", sa.String(length=32), nullable=False),
        sa.Column("thread_id", sa.String(length=420), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("action_key", sa.String(length=255), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("tool", sa.String(length=64), nullable=False),
        sa.Column("action", sa.JSON(), nullable=False),
        sa.Column("requirement", sa.JSON(), nullable=False),
        sa.Column("args_error", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", store.tables.UTCDateTime(), nullable=False),
        sa.Column("deadline", store.tables.UTCDateTime(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("decided_at", store.tables.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("resumed_at", store.tables.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("approval_id"),
    )
    op.create_index("ix_approval_gates_thread_id", "approval_gates", ["thread_id"])
    op.create_index("ix_approval_gates_incident_id", "approval_gates", ["incident_id"])
    op.create_index("ix_approval_gates_status_deadline", "approval_gates", ["status", "deadline"])

    op.create_table(
        "triage_reviews",
        sa.Column("review_id", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=True),
        sa.Column("thread_id", sa.String(length=420), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("processed_at", store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.review_id"]),
        sa.PrimaryKeyConstraint("review_id"),
    )
    op.create_index("ix_triage_reviews_incident_id", "triage_reviews", ["incident_id"])

    op.create_table(
        "decision_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("approval_id", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("playbook_id", sa.String(length=64), nullable=False),
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("tool", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("original_args", sa.JSON(), nullable=False),
        sa.Column("edited_args", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("corrected_topic", sa.String(length=64), nullable=True),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("at", store.tables.UTCDateTime(), nullable=False),
        sa.Column("embedder_id", sa.String(length=128), nullable=False),
        sa.Column("embedding", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("approval_id"),
    )
    op.create_index("ix_decision_feedback_incident_id", "decision_feedback", ["incident_id"])
    op.create_index("ix_decision_feedback_topic", "decision_feedback", ["topic"])


def downgrade() -> None:
    op.drop_table("decision_feedback")
    op.drop_table("triage_reviews")
    op.drop_table("approval_gates")
    op.drop_table("triage_threads")
