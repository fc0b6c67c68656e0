"""Load business-edited YAML into pydantic models, with errors that name file, line, field and value.

Every config file (taxonomy, routing, cleaning, CSV mappings, playbooks, approval policy) goes through
`load_yaml_model`, so a typo anywhere reads the same way: `config/taxonomy.yaml:42: domains[3].id: ...`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

__all__ = [
    "ConfigError",
    "ConfigIssue",
    "ConfigVersion",
    "ensure_unique_ids",
    "field_error",
    "load_yaml_model",
    "parse_yaml_model",
    "text_matching",
]

T = TypeVar("T", bound=BaseModel)

_Loc = tuple[str | int, ...]
_PathKey = tuple[str, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file: where it is (file, 1-based line, dotted field path) and what is wrong."""

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ConfigError(ValueError):
    """A config file could not be loaded; the message lists every problem, one `file:line: field: what` per line."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues: tuple[ConfigIssue, ...] = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))

    def __reduce__(self) -> tuple[type[ConfigError], tuple[tuple[ConfigIssue, ...]]]:
        return (type(self), (self.issues,))

    @classmethod
    def single(cls, source: str, message: str, line: int | None = None, field: str = "") -> ConfigError:
        """A ConfigError with one issue."""
        return cls([ConfigIssue(source=source, line=line, field=field, message=message)])


def field_error(message: str, *at: str | int) -> PydanticCustomError:
    """An error a model validator raises to blame a field below the model (`at`), so the reported line is exact.

    Quote the bad value in `message`, e.g. in a `Domain` validator:
    `raise field_error("duplicate id 'x'", "topics", 2, "id")`.
    """
    return PydanticCustomError("config_field", message, {"at": tuple(at)})


def ensure_unique_ids(ids: Iterable[str], field: str, what: str) -> None:
    """Blame the second occurrence of any id in the list `field` (its items' `id`), e.g. what="rule id"."""
    seen: set[str] = set()
    for index, value in enumerate(ids):
        if value in seen:
            raise field_error(f"duplicate {what} {value!r}; ids must be unique", field, index, "id")
        seen.add(value)


def _reject_unquoted_number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "config_version",
            'expected a quoted string such as "2026.11" (YAML reads an unquoted 2026.10 as the number 2026.1)',
        )
    return value


ConfigVersion = Annotated[str, BeforeValidator(_reject_unquoted_number), Field(min_length=1)]
"""A config version string; an unquoted YAML number is rejected with a hint to quote it."""


def text_matching(pattern: str, expected: str) -> AfterValidator:
    """A validator for `Annotated[str, ...]` that fullmatches `pattern` and otherwise says `expected <expected>`."""
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if regex.fullmatch(value) is None:
            raise ValueError(f"expected {expected}")
        return value

    return AfterValidator(check)


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose node tree we keep, to trace every mapping key and sequence item back to its line."""


def load_yaml_model(path: Path, model: type[T]) -> T:
    """Read `path` and validate it as `model`; raise ConfigError naming file, line and field on any problem."""
    source = _display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError.single(
            source, f"file not found (looked at {path.resolve()}); create it or pass the right path"
        ) from None
    except OSError as exc:
        raise ConfigError.single(source, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError.single(source, "file is not valid UTF-8; save it as UTF-8", line=line) from None
    return parse_yaml_model(text, model, source=source)


def parse_yaml_model(text: str, model: type[T], source: str = "<string>") -> T:
    """Validate YAML `text` as `model`; `source` names the text in error messages."""
    data, lines = _parse(text, source)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = [_issue_from_error(err, data, lines, source) for err in exc.errors()]
        issues.sort(key=lambda issue: issue.line or 0)
        raise ConfigError(issues) from None


def _parse(text: str, source: str) -> tuple[dict[str, Any], dict[_PathKey, int]]:
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[_PathKey, int] = {}
        if node is not None:
            _record_lines(node, (), lines, source)  # before construction: merge keys are still visible as such
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark is not None else None
        raise ConfigError.single(source, f"YAML syntax error: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError.single(source, f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        got = "an empty document" if data is None else f"a {_kind(data)}"
        line = None if node is None else node.start_mark.line + 1
        raise ConfigError.single(source, f"the top level must be a mapping of fields, got {got}", line=line)
    return data, lines


def _record_lines(node: yaml.Node, loc: _Loc, lines: dict[_PathKey, int], source: str) -> None:
    lines.setdefault(_path_key(loc), node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError.single(
                    source,
                    f"duplicate key {key!r} (first on line {seen[key]}); keep one",
                    line=line,
                    field=_format_loc((*loc, key)),
                )
            seen[key] = line
            lines[_path_key((*loc, key))] = line
            _record_lines(value_node, (*loc, key), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*loc, index), lines, source)


def _path_key(loc: _Loc) -> _PathKey:
    # Mapping keys and list indexes compared as text: YAML keys are text, pydantic's indexes are ints.
    return tuple(str(part) for part in loc)


def _issue_from_error(err: Any, data: dict[str, Any], lines: dict[_PathKey, int], source: str) -> ConfigIssue:
    loc: _Loc = tuple(err["loc"]) + tuple((err.get("ctx") or {}).get("at", ()))
    key = _path_key(loc)
    line = next((lines[key[:n]] for n in range(len(key), -1, -1) if key[:n] in lines), None)
    return ConfigIssue(source=source, line=line, field=_format_loc(loc), message=_message(err, data, loc))


def _message(err: Any, data: dict[str, Any], loc: _Loc) -> str:
    kind, msg = err["type"], str(err["msg"])
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return "unknown field; remove it or fix its spelling"
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if msg.startswith("Input should be "):
        msg = "expected " + msg.removeprefix("Input should be ")
    msg = msg[:1].lower() + msg[1:]
    found, value = _value_at(data, loc)
    if not found or kind == "config_field":  # field_error messages quote the value themselves
        return msg
    shown = repr(value) if _is_scalar(value) else f"a {_kind(value)}"
    return f"{msg} (got {_truncate(shown)})"


def _value_at(data: Any, loc: _Loc) -> tuple[bool, Any]:
    current = data
    for part in loc:
        if isinstance(current, dict) and (part in current or str(part) in current):
            current = current[part] if part in current else current[str(part)]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            return False, None
    return True, current


def _format_loc(loc: _Loc) -> str:
    def parts() -> Iterator[str]:
        for index, part in enumerate(loc):
            if isinstance(part, int):
                yield f"[{part}]"
            else:
                yield part if index == 0 else f".{part}"

    return "".join(parts())


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _truncate(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
