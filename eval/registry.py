"""Small registries for the harness's extension points: scorers, stages under test, dataset loaders, chat models.

Modelled on Inspect AI's `@scorer`: a class registers itself under a name with a decorator, and a suite file
refers to it by that name. Dropping a module into `eval/scorers/` or `eval/stages/` is enough to register it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

__all__ = [
    "CHAT_MODELS",
    "DATASETS",
    "SCORERS",
    "STAGES",
    "Registry",
    "RegistryError",
    "chat_model",
    "dataset",
    "load_builtins",
    "scorer",
    "stage",
]

T = TypeVar("T")


class RegistryError(KeyError):
    """A name is not registered (the message lists the registered ones) or is registered twice."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    """Name -> registered object for one kind of extension point (`scorer`, `stage`, ...)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """A decorator that registers its target under `name`; a second registration of `name` raises."""

        def decorate(item: T) -> T:
            existing = self._items.get(name)
            if existing is not None and existing is not item:
                raise RegistryError(f"{self.kind} {name!r} is already registered by {_where(existing)}")
            self._items[name] = item
            return item

        return decorate

    def get(self, name: str) -> T:
        """The object registered as `name`; an unknown name raises with the registered names listed."""
        load_builtins()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise RegistryError(f"unknown {self.kind} {name!r}; registered: {known}") from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        load_builtins()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        load_builtins()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())


def _where(item: object) -> str:
    return f"{getattr(item, '__module__', '?')}.{getattr(item, '__qualname__', type(item).__name__)}"


SCORERS: Registry[Any] = Registry("scorer")
STAGES: Registry[Any] = Registry("stage")
DATASETS: Registry[Any] = Registry("dataset loader")
CHAT_MODELS: Registry[Any] = Registry("chat model provider")


def scorer(name: str) -> Callable[[T], T]:
    """Register a `eval.scorers.base.Scorer` subclass under `name` (used as `scorer: <name>` in suites)."""
    return SCORERS.register(name)


def stage(name: str) -> Callable[[T], T]:
    """Register a `eval.stages.base.Stage` subclass under `name` (used as `stage: {name: <name>}` in suites)."""
    return STAGES.register(name)


def dataset(name: str) -> Callable[[T], T]:
    """Register a dataset loader class under `name` (used as `dataset: {loader: <name>}` in suites)."""
    return DATASETS.register(name)


def chat_model(provider: str) -> Callable[[T], T]:
    """Register a factory `(model_name) -> BaseChatModel` for `--model <provider>:<name>` specs."""
    return CHAT_MODELS.register(provider)


_BUILTIN_PACKAGES = ("eval.scorers", "eval.stages", "eval.dataset", "eval.models")
_loaded = False


def load_builtins() -> None:
    """Import every module of the built-in packages once, so their decorators have run."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for package_name in _BUILTIN_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(getattr(package, "__path__", [])):
            if not module.name.startswith("_"):
                importlib.import_module(f"{package_name}.{module.name}")
