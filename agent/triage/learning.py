"""Learning from approval decisions: edits and rejections become few-shot examples and scorer labels.

Every edit or rejection is stored with an embedding of the situation it was made in (the hypothesis summary and
incident facts); the hypothesis prompt shows the nearest ones. Topic judgements (a confirmed or corrected incident
topic) become `HumanLabel` rows on the cited reviews, which the fast scorer's retraining reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.triage.state import Hypothesis, IncidentFacts
from store.approval_policy import Decision
from store.embeddings import TextEmbedder
from store.playbook_templates import ProposedAction
from store.schemas import FLAG_NAMES
from store.tables import HumanLabel, ReviewScoreRow
from store.triage_tables import DecisionFeedbackRow
from tools import ToolArgsError, validate_args

__all__ = ["example_lines", "nearest_feedback", "record_feedback", "situation_text", "write_topic_labels"]

_NO_EMBEDDER = "none"
_EXAMPLE_CHARS = 220


def situation_text(incident: IncidentFacts, hypothesis: Hypothesis) -> str:
    """What a decision was made on, as one line to embed: topic, scope, root cause and the hypothesis summary."""
    scope = ", ".join(f"{k}={v}" for k, v in sorted(incident.scope.items()))
    return f"{incident.topic} at {scope}; cause {hypothesis.root_cause or 'unknown'}. {hypothesis.summary}"


def record_feedback(
    session: Session,
    *,
    approval_id: str,
    incident: IncidentFacts,
    hypothesis: Hypothesis,
    playbook_id: str,
    action: ProposedAction,
    decision: Decision,
    embedder: TextEmbedder | None,
    corrected_topic: str | None = None,
) -> DecisionFeedbackRow | None:
    """Store an edit or rejection (other decisions teach nothing here); idempotent per approval id."""
    if decision.kind not in ("edit", "reject"):
        return None
    existing = session.scalar(select(DecisionFeedbackRow).where(DecisionFeedbackRow.approval_id == approval_id))
    if existing is not None:
        return existing
    situation = situation_text(incident, hypothesis)
    embedding = embedder.embed([situation])[0].astype(float).round(6).tolist() if embedder is not None else []
    row = DecisionFeedbackRow(
        approval_id=approval_id,
        incident_id=incident.incident_id,
        topic=incident.topic,
        playbook_id=playbook_id,
        action_id=action.action_id,
        tool=action.tool,
        kind=decision.kind,
        original_args=_normalized_args(action),
        edited_args=dict(decision.args) if decision.args is not None else None,
        reason=decision.reason,
        corrected_topic=corrected_topic,
        situation=situation,
        root_cause=hypothesis.root_cause,
        actor=decision.actor,
        role=decision.role,
        at=decision.at,
        embedder_id=embedder.model_id if embedder is not None else _NO_EMBEDDER,
        embedding=embedding,
    )
    session.add(row)
    session.flush()
    return row


def _normalized_args(action: ProposedAction) -> dict[str, Any]:
    """The planned arguments with the tool's defaults filled in, as an edit's are, so a diff shows real changes."""
    try:
        return validate_args(action.tool, action.args).model_dump(mode="json")
    except ToolArgsError:
        return dict(action.args)


def nearest_feedback(
    session: Session,
    text: str,
    *,
    embedder: TextEmbedder | None,
    topic: str | None = None,
    k: int = 2,
    pool: int = 500,
) -> list[DecisionFeedbackRow]:
    """The `k` stored edits/rejections nearest to `text` by embedding (same topic breaks ties); newest without one."""
    if k < 1:
        return []
    stmt = select(DecisionFeedbackRow).order_by(DecisionFeedbackRow.at.desc()).limit(pool)
    if embedder is not None:
        stmt = stmt.where(DecisionFeedbackRow.embedder_id == embedder.model_id)
    rows = list(session.scalars(stmt))
    if not rows:
        return []
    bonus = np.array([0.05 if topic is not None and row.topic == topic else 0.0 for row in rows], dtype=np.float32)
    if embedder is None:
        return [rows[i] for i in np.argsort(-bonus, kind="stable")[:k]]
    query = embedder.embed([text])[0]
    matrix = np.asarray([row.embedding for row in rows], dtype=np.float32)
    scores = matrix @ query + bonus
    return [rows[i] for i in np.argsort(-scores, kind="stable")[:k]]


def example_lines(rows: Sequence[DecisionFeedbackRow]) -> list[str]:
    """Few-shot lines for the hypothesis prompt: what was proposed on a similar incident and what a person did."""
    lines = []
    for row in rows:
        head = f"- On a similar incident ({row.topic}, cause {row.root_cause or 'unknown'}), a reviewer"
        if row.kind == "reject":
            line = f"{head} rejected {row.tool}: {row.reason or 'no reason given'}"
        else:
            changed = _changed(row.original_args, row.edited_args or {})
            line = f"{head} edited {row.tool} ({changed})" + (f": {row.reason}" if row.reason else "")
        if row.corrected_topic:
            line += f"; the topic was really {row.corrected_topic}"
        lines.append(line[:_EXAMPLE_CHARS])
    return lines


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    names = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    return ", ".join(f"{name}: {str(before.get(name))[:30]!r} -> {str(after.get(name))[:30]!r}" for name in names[:3])


def write_topic_labels(
    session: Session,
    review_ids: Sequence[str],
    *,
    topic: str,
    author: str,
    at: datetime,
    topic_ids: Sequence[str],
    flag_threshold: float = 0.5,
) -> int:
    """Label the cited reviews with a person's topic judgement for scorer retraining; returns the rows written.

    Only the topic is the person's: sentiment, urgency and flags keep the scorer's values (the heads the person did
    not judge). Reviews the scorer calls positive are skipped (a complaint label would contradict it), as are
    reviews this author already labelled. A flag incident (`safety_hazard`) labels the flag, keeping the topics.
    """
    if not review_ids:
        return 0
    is_flag = topic in FLAG_NAMES
    if not is_flag and topic not in topic_ids:
        raise ValueError(f"unknown topic id {topic!r} for a human label; use a taxonomy leaf id or a flag")
    done = set(
        session.scalars(
            select(HumanLabel.review_id).where(HumanLabel.review_id.in_(list(review_ids)), HumanLabel.author == author)
        )
    )
    scores = session.scalars(select(ReviewScoreRow).where(ReviewScoreRow.review_id.in_(list(review_ids)))).all()
    written = 0
    for score in scores:
        if score.review_id in done or score.sentiment == "positive":
            continue
        flags = {name for name, p in (score.flags or {}).items() if name in FLAG_NAMES and p >= flag_threshold}
        stored_topics = [t["label"] for t in score.topics or () if t.get("label") in topic_ids]
        session.add(
            HumanLabel(
                review_id=score.review_id,
                sentiment=score.sentiment,
                topics=stored_topics if is_flag else [topic],
                urgency=score.urgency,
                flags=sorted(flags | {topic}) if is_flag else sorted(flags),
                author=author,
                created_at=at,
            )
        )
        written += 1
    session.flush()
    return written
