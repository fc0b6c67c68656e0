"""The roles a person or a key acts in: one type for the API, the CLI and the approval policy."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["DECIDING_ROLES", "RANK", "ROLES", "SAFETY_ROLES", "Role"]

Role = Literal["viewer", "ingest", "approver", "qa_lead", "legal", "admin"]
"""viewer reads; ingest also posts reviews; approver, qa_lead and legal decide the gates the approval policy gives
them; admin may do everything."""
ROLES: tuple[Role, ...] = get_args(Role)
DECIDING_ROLES: frozenset[Role] = frozenset({"approver", "qa_lead", "legal", "admin"})
"""Roles that may decide an approval gate (the policy then says which gate)."""
SAFETY_ROLES: frozenset[Role] = frozenset({"qa_lead", "legal"})
"""Roles that may decide a safety action."""
RANK: dict[Role, int] = {"viewer": 0, "ingest": 1, "approver": 2, "qa_lead": 2, "legal": 2, "admin": 3}
"""What an API route needs: a key's role must rank at least the route's role."""
