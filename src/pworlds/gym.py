"""Any registered world as a ``gymnasium.Env`` with text observations and text actions.

Actions are what a person types (``"+1"``, ``"intro h"``, or a JSON tool call); text that does not parse
is still stepped, so the world answers it as an invalid action (penalty, state unchanged) instead of the
environment raising mid-rollout. Observations are the world's ``text``; characters outside the space's
charset are replaced so every observation is a member of ``observation_space``.

    >>> import gymnasium as gym, pworlds.gym
    >>> env = gym.make("pworlds/counter-v0")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
from gymnasium import spaces

from psignal.errors import ActionParseError
from psignal.registry import make_world
from psignal.world import World

#: Printable characters of the Basic Multilingual Plane up to the math blocks, plus newline and tab.
CHARSET = frozenset("\n\t" + "".join(chr(c) for c in range(0x20, 0x2C00) if chr(c).isprintable()))
REPLACEMENT = "?"


def _fit(text: str, max_length: int) -> str:
    text = "".join(c if c in CHARSET else REPLACEMENT for c in text)
    return text if len(text) <= max_length else text[: max_length - 1] + "…"


class PworldsEnv(gymnasium.Env[str, str]):
    metadata = {"render_modes": ["ansi"]}  # noqa: RUF012 - gymnasium's API

    def __init__(
        self,
        world: str | World = "counter",
        *,
        config: Mapping[str, Any] | None = None,
        task: str | None = None,
        render_mode: str | None = None,
        max_observation_length: int = 16_384,
        max_action_length: int = 1_024,
    ) -> None:
        self.world = make_world(world, config) if isinstance(world, str) else world
        self.task = task
        self.render_mode = render_mode
        self.observation_space = spaces.Text(max_length=max_observation_length, min_length=0, charset=CHARSET)
        self.action_space = spaces.Text(max_length=max_action_length, min_length=0, charset=CHARSET)
        self._last = ""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        task = (options or {}).get("task", self.task)
        observation = self.world.reset(task=task, seed=seed)
        self._last = _fit(str(observation.get("text", "")), self.observation_space.max_length)
        return self._last, {"observation": observation, "task": self.world.task}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        try:
            parsed = self.world.parse_action(action)
        except ActionParseError:
            parsed = {"name": action, "arguments": {}}
        result = self.world.step(parsed)
        self._last = _fit(str(result.observation.get("text", "")), self.observation_space.max_length)
        info = {"valid": result.valid, "action": parsed, **dict(result.info)}
        return self._last, float(result.reward), result.terminated, result.truncated, info

    def render(self) -> str | None:
        return self._last if self.render_mode == "ansi" else None

    def close(self) -> None:
        self.world.close()


def register_envs() -> None:
    """Register ``pworlds/<world>-v0`` ids with gymnasium (idempotent)."""
    from psignal.registry import world_names

    for name in world_names():
        env_id = f"pworlds/{name}-v0"
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point="pworlds.gym:PworldsEnv", kwargs={"world": name})


register_envs()
