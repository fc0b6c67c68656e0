"""Argument templates of playbook actions, and the actions they render into for one incident.

A template is a string with `{placeholder}` names from `PLACEHOLDERS` (`{{`/`}}` for literal braces). Filling is one
left-to-right pass: a value from the incident context is inserted as data and never read again as a template.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Collection, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "PLACEHOLDERS",
    "PlaceholderError",
    "ProposedAction",
    "ProposedCall",
    "fill_template",
    "template_placeholders",
]

PLACEHOLDERS: tuple[str, ...] = (
    "incident_id",
    "sku",
    "category",
    "topic",
    "topic_name",
    "topic_leaf",
    "severity",
    "region",
    "warehouse",
    "supplier",
    "carrier",
    "summary",
    "owner_team",
    "review_count",
    "negative_share",
)
"""Incident-context fields an argument template may use as `{name}`; `{{` and `}}` are literal braces.

`topic` is the leaf id (`sizing_fit.runs_small`) or the flag for flag-driven incidents (`safety_hazard`);
`topic_leaf` is the part after the dot (`runs_small`); `owner_team` is the taxonomy owner's team slug.
"""

_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{([a-z_]+)\}|[{}]")


def template_placeholders(template: str) -> list[str]:
    """The placeholder names in `template`; a lone `{` or `}` or an unknown name raises ValueError."""
    names: list[str] = []
    for match in _TEMPLATE_TOKEN.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            raise ValueError(f"lone {token!r} in template {template!r}; write {token * 2!r} for a literal brace")
        if name not in PLACEHOLDERS:
            known = ", ".join(PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{name}}}{_suggest(name, PLACEHOLDERS)}; use one of {known}")
        names.append(name)
    return names


def fill_template(value: Any, context: Mapping[str, str]) -> Any:
    """`value` with every placeholder replaced from `context` (lists item by item; non-strings unchanged)."""
    if isinstance(value, list):
        return [fill_template(item, context) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return str(context[match.group(1)])

    # One left-to-right pass: substituted text is never scanned again, so `{...}` inside a value stays literal.
    return _TEMPLATE_TOKEN.sub(substitute, value)


class ProposedCall(BaseModel):
    """A tool call with its arguments filled in from the incident context."""

    model_config = ConfigDict(frozen=True)

    tool: str
    args: dict[str, Any]


class ProposedAction(ProposedCall):
    """A remediation action rendered for one incident, ready for the approval gate."""

    incident_id: str
    playbook_id: str
    playbook_version: str
    action_id: str
    description: str
    approval_hint: Literal["auto", "human", "reject"] | None = None
    rollback: ProposedCall | None = None

    def idempotency_key(self) -> str:
        """A key that is the same for the same incident, action and arguments (an edit makes a new key)."""
        canonical = json.dumps(
            [self.incident_id, self.playbook_id, self.action_id, self.tool, self.args],
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
        return f"{self.playbook_id}.{self.action_id}:{digest}"

    def with_args(self, args: Mapping[str, Any]) -> ProposedAction:
        """The same action with edited arguments (re-validate them against the tool first); its key changes too."""
        return self.model_copy(update={"args": dict(args)})


class PlaceholderError(KeyError):
    """An argument template uses a placeholder the incident context does not provide."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _suggest(item: str, known: Collection[str]) -> str:
    matches = difflib.get_close_matches(item, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(m) for m in matches)}?)" if matches else ""
