"""Prompt templates as versioned files (`prompts/<id>.<version>.md`), rendered into system + user messages.

A file is YAML front matter (`id`, `version`, `description`, `variables`, `untrusted`) followed by a
`## system` and a `## user` section; `{{name}}` marks a variable. Variables listed under `untrusted`
(review text, anything a customer wrote) are only allowed in the user section and are rendered inside an
`<untrusted_data>` block whose delimiters the value cannot forge, so the model sees them as data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

__all__ = ["PROMPTS_DIR", "Prompt", "PromptError", "PromptVariableError", "list_prompts", "load_prompt"]

PROMPTS_DIR = Path(__file__).resolve().parent
_FILE_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)\.(?P<version>v\d+)\.md$")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)
_DATA_TAG = re.compile(r"<(/?)(untrusted_data)", re.IGNORECASE)


class PromptError(ValueError):
    """A prompt file is missing or malformed."""


class PromptVariableError(PromptError):
    """`render()` got missing or unknown variables."""


@dataclass(frozen=True)
class Prompt:
    """One versioned prompt template; `ref` (`hypothesis.v1`) and `digest` go on every output it produced."""

    id: str
    version: str
    description: str
    variables: tuple[str, ...]
    untrusted: frozenset[str]
    system: str
    user: str
    path: Path
    digest: str
    """First 12 hex digits of the file's sha256: tells two edits of one version apart in eval records."""

    @property
    def ref(self) -> str:
        """`<id>.<version>`, e.g. `hypothesis.v1`."""
        return f"{self.id}.{self.version}"

    def render(self, **values: object) -> list[BaseMessage]:
        """System + user messages with every declared variable filled in; missing or unknown names raise."""
        missing = sorted(set(self.variables) - values.keys())
        unknown = sorted(values.keys() - set(self.variables))
        if missing or unknown:
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"unknown {', '.join(unknown)}"] if unknown else []
            raise PromptVariableError(
                f"prompt {self.ref} ({self.path.name}): {'; '.join(parts)}; "
                f"it takes exactly: {', '.join(self.variables)}"
            )
        return [SystemMessage(self._fill(self.system, values)), HumanMessage(self._fill(self.user, values))]

    def _fill(self, text: str, values: dict[str, object]) -> str:
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            value = _as_text(values[name])
            if name in self.untrusted:
                return f'<untrusted_data name="{name}">\n{_defang(value)}\n</untrusted_data>'
            return value

        return _PLACEHOLDER.sub(substitute, text).strip()


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "\n".join(_as_text(item) for item in value)
    return str(value)


def _defang(value: str) -> str:
    # A review that writes `</untrusted_data>` must not be able to close the block and speak as the operator.
    return _DATA_TAG.sub(lambda m: f"<{m.group(1)}untrusted-text", value)


def list_prompts(directory: Path = PROMPTS_DIR) -> dict[str, list[str]]:
    """Prompt id -> available versions, oldest first."""
    found: dict[str, list[str]] = {}
    for path in directory.glob("*.md"):
        match = _FILE_NAME.match(path.name)
        if match:
            found.setdefault(match["id"], []).append(match["version"])
    return {key: sorted(versions, key=lambda v: int(v[1:])) for key, versions in sorted(found.items())}


def load_prompt(name: str, version: str | None = None, *, directory: Path = PROMPTS_DIR) -> Prompt:
    """The template `name` at `version` (`v1`), or its newest version when `version` is None."""
    available = list_prompts(directory)
    versions = available.get(name)
    if not versions:
        raise PromptError(f"no prompt named {name!r} in {directory}; available: {', '.join(available) or 'none'}")
    chosen = version or versions[-1]
    if chosen not in versions:
        raise PromptError(f"prompt {name!r} has no version {chosen!r}; available: {', '.join(versions)}")
    path = directory / f"{name}.{chosen}.md"
    return _parse_file(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _parse_file(path: Path, mtime_ns: int) -> Prompt:
    """Parse and check one template file; `mtime_ns` is only part of the cache key, so edits are picked up."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    if not text.startswith("---\n"):
        raise PromptError(f"{path}:1: expected YAML front matter starting with '---'")
    header_text, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise PromptError(f"{path}:1: front matter is not closed by a '---' line")
    try:
        header = yaml.safe_load(header_text) or {}
    except yaml.YAMLError as err:
        raise PromptError(f"{path}: front matter is not valid YAML: {err}") from err
    if not isinstance(header, dict):
        raise PromptError(f"{path}:2: front matter must be a mapping of id, version, description, variables")

    def line_of(needle: str) -> int:
        return text[: max(text.find(needle), 0)].count("\n") + 1

    def fail(field: str, problem: str, line: int | None = None) -> PromptError:
        return PromptError(f"{path}:{line or line_of(field + ':')}: {field}: {problem}")

    file_id, file_version = path.name.removesuffix(".md").rsplit(".", 1)
    if header.get("id") != file_id:
        raise fail("id", f"is {header.get('id')!r} but the file name says {file_id!r}")
    if str(header.get("version")) != file_version:
        raise fail("version", f"is {header.get('version')!r} but the file name says {file_version!r}")
    variables = header.get("variables") or []
    untrusted = header.get("untrusted") or []
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise fail("variables", "must be a list of names")
    if not isinstance(untrusted, list) or not set(untrusted) <= set(variables):
        raise fail("untrusted", f"must list declared variables only; got {untrusted!r}")

    sections = _SECTION.split(body)
    if len(sections) != 5 or sections[1::2] != ["system", "user"]:
        body_line = line_of("\n---\n") + 2
        raise fail("body", "needs one '## system' section followed by one '## user' section", body_line)
    parts = dict(zip(sections[1::2], sections[2::2], strict=True))
    used = set(_PLACEHOLDER.findall(body))
    if undeclared := sorted(used - set(variables)):
        raise fail("variables", f"{{{{{undeclared[0]}}}}} is used but not declared", line_of("{{" + undeclared[0]))
    if unused := sorted(set(variables) - used):
        raise fail("variables", f"{unused} are declared but never used")
    if leaked := sorted(set(untrusted) & set(_PLACEHOLDER.findall(parts["system"]))):
        raise fail("untrusted", f"{leaked} appear in the system section; untrusted data belongs in the user section")
    return Prompt(
        id=file_id,
        version=file_version,
        description=str(header.get("description", "")),
        variables=tuple(variables),
        untrusted=frozenset(untrusted),
        system=parts["system"],
        user=parts["user"],
        path=path,
        digest=hashlib.sha256(raw).hexdigest()[:12],
    )
