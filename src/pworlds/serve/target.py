"""Resolve a ``pworlds serve TARGET`` into a world factory.

TARGET is a registered world name (``counter``, ``lemma``, ``spec``, ``toolworld``) optionally followed by
``:VALUE``, which fills the world's main configuration option: ``toolworld:<env id or path>`` sets ``env``,
``lemma:<statement>`` sets ``statement``. Resolution builds and resets one probe world, so a typo in the
world name, the task or a config key fails at start-up with one clear line instead of on the first call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from psignal.errors import PworldsError, UsageError
from psignal.registry import world_class
from psignal.world import ActionSpec, TaskInfo, World

PRIMARY_OPTIONS = ("env", "statement")
"""Config fields that ``WORLD:VALUE`` may fill, in order of preference."""


@dataclass(frozen=True)
class ServeTarget:
    """What one server hosts: a world class, its configuration and the default task/seed of new episodes."""

    world: str
    cls: type[World]
    config: Mapping[str, Any] = field(default_factory=dict)
    task: str | None = None
    seed: int | None = None

    def make(self) -> World:
        """A fresh, not yet reset world (one per MCP session)."""
        return self.cls(dict(self.config))

    def probe(self) -> tuple[list[ActionSpec], Mapping[str, TaskInfo], str, str]:
        """Build, reset and close one world: (actions, tasks, default task, instruction)."""
        world = self.make()
        try:
            world.reset(task=self.task, seed=self.seed)
            return list(world.actions()), dict(world.tasks()), world.task or "", world.instruction()
        finally:
            world.close()


def parse_target(
    target: str,
    *,
    task: str | None = None,
    seed: int | None = None,
    config: Mapping[str, Any] | None = None,
) -> ServeTarget:
    """Turn ``counter`` / ``toolworld:ENV`` (plus options) into a checked ``ServeTarget``."""
    name, sep, value = target.partition(":")
    if not name:
        raise UsageError(f"serve: empty world name in TARGET {target!r}; try 'counter' or 'toolworld:ENV'")
    try:
        cls = world_class(name)  # raises UnknownWorldError with "did you mean"
    except ImportError as exc:
        raise PworldsError(f"serve: world {name!r} is registered but cannot be imported: {exc}") from exc
    merged = dict(config or {})
    if sep:
        fields = cls.Config.model_fields
        option = next((o for o in PRIMARY_OPTIONS if o in fields), None)
        if option is None:
            raise UsageError(
                f"serve: world {name!r} takes no ':VALUE' in TARGET {target!r}; "
                "pass options with --set KEY=VALUE"
            )
        if not value:
            raise UsageError(f"serve: TARGET {target!r} has an empty {option}; write {name}:<{option}>")
        merged.setdefault(option, value)
    resolved = ServeTarget(world=name, cls=cls, config=merged, task=task, seed=seed)
    try:
        resolved.probe()
    except PworldsError:
        raise
    except Exception as exc:  # a world failing to start is a runtime failure, reported in one line
        raise PworldsError(f"serve: world {name!r} failed to start: {type(exc).__name__}: {exc}") from exc
    return resolved
