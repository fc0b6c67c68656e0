"""Alert routing (config/alert_routing.yaml): label matchers, the routing tree, timings and inhibition rules.

Semantics follow Prometheus Alertmanager: a route matches when all its matchers do; children are tried in
order and the first match wins unless it sets `continue`; a route with no matching child takes the alert
itself; children inherit the parent's receiver, grouping and timings. The receiver `owner` means the owner
the taxonomy names for the alert's topic (label `owner_receiver`). Unlike Alertmanager, an inhibition's
`equal` labels must be present (non-empty) on both alerts: two alerts both lacking `sku` are not "the same SKU".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from store.settings import get_settings
from store.yaml_config import ConfigVersion, field_error, load_yaml_model
from tools.receivers import ReceiversConfig
from tools.senders import is_alert_receiver

__all__ = [
    "OWNER_RECEIVER",
    "AlertRoutingConfig",
    "InhibitRule",
    "Inhibitor",
    "Matcher",
    "ResolvedRoute",
    "Route",
    "load_alert_routing",
    "matches_all",
    "parse_duration",
]

OWNER_RECEIVER = "owner"
"""Receiver value meaning: the taxonomy owner of the alert's topic."""

_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*$')
_DURATION = re.compile(r"^(\d+)(s|m|h|d)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: Any) -> timedelta:
    """`30s`, `10m`, `4h`, `1d` (or a timedelta) as a timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value).strip())
    if match is None:
        raise ValueError(f"expected a duration like 30s, 10m, 4h or 1d, got {value!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(_format_duration)]


@dataclass(frozen=True, slots=True)
class Matcher:
    """`name="value"`, `name!="value"`, `name=~"regex"` or `name!~"regex"`; a missing label reads as ""."""

    name: str
    op: str
    value: str
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Matcher:
        match = _MATCHER.match(text)
        if match is None:
            raise ValueError(
                f'expected a matcher like sku="JKT-0125", severity!="low" or topic=~"sizing_fit.*", got {text!r}'
            )
        name, op = match.group(1), match.group(2)
        value = match.group(3) if match.group(3) is not None else match.group(4) or ""
        value = value.replace('\\"', '"')
        pattern = None
        if op in ("=~", "!~"):
            try:
                pattern = re.compile(f"(?:{value})")
            except re.error as exc:
                raise ValueError(f"bad regex {value!r} in matcher {text!r}: {exc}") from None
        return cls(name, op, value, pattern)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self.pattern is not None
        found = self.pattern.fullmatch(actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


def _parse_matchers(value: Any) -> list[Matcher]:
    if not isinstance(value, list):
        raise ValueError('expected a list of matchers such as ["severity=\\"critical\\""]')
    return [m if isinstance(m, Matcher) else Matcher.parse(str(m)) for m in value]


Matchers = Annotated[list[Matcher], BeforeValidator(_parse_matchers), PlainSerializer(lambda ms: [str(m) for m in ms])]


def matches_all(matchers: list[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches (an empty list matches everything)."""
    return all(m.matches(labels) for m in matchers)


class Route(BaseModel):
    """A node of the routing tree; unset fields are inherited from the parent."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=True)

    name: str | None = None
    """Shown in notifications and part of the group key; defaults to the route's path."""
    matchers: Matchers = Field(default_factory=list)
    """Labels an alert must match to take this route."""
    receiver: str | None = None
    """`<kind>:<target>` (e.g. `pagerduty:safety-oncall`) or `owner` (the topic owner's receiver)."""
    group_by: list[str] | None = None
    """Labels whose values split alerts into notification groups."""
    group_wait: Duration | None = None
    """How long a new group waits for more alerts before its first notification."""
    group_interval: Duration | None = None
    """How long to wait before notifying about alerts added to (or resolved in) an already notified group."""
    repeat_interval: Duration | None = None
    """How long before re-sending a notification for a group that has not changed."""
    send_resolved: bool | None = None
    """Whether to notify when every alert of a group has resolved."""
    continue_: bool = Field(default=False, alias="continue")
    """Keep trying the following sibling routes after this one matched."""
    routes: list[Route] = Field(default_factory=list)
    """Child routes, tried in order."""


@dataclass(frozen=True, slots=True)
class ResolvedRoute:
    """A matched route with every setting filled in from its ancestors."""

    path: str
    receiver: str
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta
    send_resolved: bool


class InhibitRule(BaseModel):
    """Mutes target alerts while a source alert fires with the same values of the `equal` labels."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str = Field(min_length=1)
    """Shown as the reason an alert is muted."""
    source_matchers: Matchers = Field(min_length=1)
    """The muting alert."""
    target_matchers: Matchers = Field(min_length=1)
    """The muted alert."""
    equal: list[str] = Field(min_length=1)
    """Labels both alerts must carry (non-empty) with the same value."""


class AlertRoutingConfig(BaseModel):
    """config/alert_routing.yaml: the routing tree and the inhibition rules."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    version: ConfigVersion
    """Version of the routing; recorded in every notification."""
    route: Route
    """The root route; it must set receiver, group_by and every timing."""
    inhibit_rules: list[InhibitRule] = Field(default_factory=list)
    """Rules muting lower-priority alerts while a higher-priority one fires."""
    receivers: ReceiversConfig = Field(default_factory=ReceiversConfig)
    """How receivers are delivered (webhooks, email, file, console); unlisted ones go to the default (a file)."""

    @model_validator(mode="after")
    def _root_sets_everything(self) -> AlertRoutingConfig:
        names = ("receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "send_resolved")
        missing = [name for name in names if getattr(self.route, name) is None]
        if missing:
            raise field_error(f"the root route must set {', '.join(missing)}", "route")
        _check_receivers(self.route, ("route",))
        return self

    def routes_for(self, labels: Mapping[str, str]) -> list[ResolvedRoute]:
        """Every route an alert with these labels is delivered by (usually one; more with `continue`)."""
        root = self.route
        base = ResolvedRoute(
            path=root.name or "root",
            receiver=root.receiver or OWNER_RECEIVER,
            group_by=tuple(root.group_by or ()),
            group_wait=root.group_wait or timedelta(0),
            group_interval=root.group_interval or timedelta(0),
            repeat_interval=root.repeat_interval or timedelta(0),
            send_resolved=bool(root.send_resolved),
        )
        found = _walk(root, base, labels)
        return [_with_receiver(r, labels) for r in found]


def _check_receivers(route: Route, at: tuple[str | int, ...]) -> None:
    """Every receiver a route names is `owner` or a `<kind>:<target>` receiver name."""
    receiver = route.receiver
    if receiver is not None and receiver != OWNER_RECEIVER and not is_alert_receiver(receiver):
        raise field_error(
            f"receiver {receiver!r} is neither `owner` nor `<kind>:<target>` (kind slack, teams, jira, pagerduty, "
            "email or webhook), e.g. `pagerduty:safety-oncall`",
            *at,
            "receiver",
        )
    for index, child in enumerate(route.routes):
        _check_receivers(child, (*at, "routes", index))


def _inherit(route: Route, parent: ResolvedRoute, path: str) -> ResolvedRoute:
    return ResolvedRoute(
        path=route.name or path,
        receiver=route.receiver or parent.receiver,
        group_by=tuple(route.group_by) if route.group_by is not None else parent.group_by,
        group_wait=route.group_wait if route.group_wait is not None else parent.group_wait,
        group_interval=route.group_interval if route.group_interval is not None else parent.group_interval,
        repeat_interval=route.repeat_interval if route.repeat_interval is not None else parent.repeat_interval,
        send_resolved=route.send_resolved if route.send_resolved is not None else parent.send_resolved,
    )


def _walk(route: Route, settings: ResolvedRoute, labels: Mapping[str, str]) -> list[ResolvedRoute]:
    found: list[ResolvedRoute] = []
    for index, child in enumerate(route.routes):
        if not matches_all(child.matchers, labels):
            continue
        child_settings = _inherit(child, settings, f"{settings.path}.{index}")
        found.extend(_walk(child, child_settings, labels))
        if not child.continue_:
            break
    return found or [settings]


def _with_receiver(route: ResolvedRoute, labels: Mapping[str, str]) -> ResolvedRoute:
    if route.receiver != OWNER_RECEIVER:
        return route
    owner = labels.get("owner_receiver") or ""
    if not owner:
        raise ValueError(
            f"route {route.path!r} sends to the owner, but the alert has no owner_receiver: {dict(labels)}"
        )
    return ResolvedRoute(
        route.path,
        owner,
        route.group_by,
        route.group_wait,
        route.group_interval,
        route.repeat_interval,
        route.send_resolved,
    )


class Inhibitor:
    """Decides which alerts the firing `sources` mute under `rules`, in one pass over the sources per rule.

    A source never mutes an alert of the same problem (same `incident_key`), itself included.
    """

    def __init__(self, rules: Sequence[InhibitRule], sources: Iterable[Mapping[str, str]]) -> None:
        self.rules = list(rules)
        self._by_rule: list[dict[tuple[str, ...], set[str]]] = []
        sources = list(sources)
        for rule in self.rules:
            index: dict[tuple[str, ...], set[str]] = {}
            for source in sources:
                values = tuple(source.get(name, "") for name in rule.equal)
                if all(values) and matches_all(rule.source_matchers, source):
                    index.setdefault(values, set()).add(source.get("incident_key", ""))
            self._by_rule.append(index)

    def muted_by(self, target: Mapping[str, str]) -> str | None:
        """The name of the first rule muting `target`, or None."""
        for rule, index in zip(self.rules, self._by_rule, strict=True):
            values = tuple(target.get(name, "") for name in rule.equal)
            if not all(values) or not matches_all(rule.target_matchers, target):
                continue
            keys = index.get(values, set())
            own = target.get("incident_key", "")
            if any(key != own or not own for key in keys):
                return rule.name
        return None


def load_alert_routing(path: Path | None = None) -> AlertRoutingConfig:
    """Load and validate config/alert_routing.yaml; errors name file, line and field."""
    return load_yaml_model(path or get_settings().config_dir / "alert_routing.yaml", AlertRoutingConfig)
