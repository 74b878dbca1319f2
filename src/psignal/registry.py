"""World registry: worlds are found through the ``pworlds.worlds`` entry-point group.

A third-party package adds a world by declaring an entry point; nothing here changes. Registering the
same name twice is refused (no silent override) and unknown names get a "did you mean".
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from psignal.errors import PworldsError, UnknownWorldError, UsageError, choices_hint
from psignal.world import World, WorldConfig

ENTRY_POINT_GROUP = "pworlds.worlds"

_extra: dict[str, type[World]] = {}


class WorldLoadError(PworldsError):
    """A registered world's code could not be imported (a broken install or a missing optional part)."""


def register(cls: type[World]) -> type[World]:
    """Register a world class in this process (tests, notebooks); entry points are the durable way."""
    if cls.name in _extra and _extra[cls.name] is not cls:
        raise UsageError(f"a world named {cls.name!r} is already registered ({_extra[cls.name].__module__})")
    _extra[cls.name] = cls
    return cls


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def world_names() -> list[str]:
    return sorted({*_entry_points(), *_extra})


def world_class(name: str) -> type[World]:
    if name in _extra:
        return _extra[name]
    ep = _entry_points().get(name)
    if ep is None:
        raise UnknownWorldError(f"unknown world {name!r}; {choices_hint(name, world_names())}")
    try:
        cls = ep.load()
    except (ImportError, AttributeError) as exc:
        raise WorldLoadError(f"world {name!r} ({ep.value}) failed to load: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, World)):
        raise UsageError(f"entry point {name!r} ({ep.value}) is not a psignal World subclass")
    if cls.name != name:
        raise UsageError(f"entry point {name!r} loads a world that calls itself {cls.name!r}")
    return cls


def make_world(name: str, config: Mapping[str, Any] | WorldConfig | None = None) -> World:
    return world_class(name)(config)
