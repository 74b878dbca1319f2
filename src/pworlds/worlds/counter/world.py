"""Counter: an integer starts at ``start`` and the agent must bring it to ``goal``.

Rewards (the one place they are defined):

=====================================  ==========
event                                  reward
=====================================  ==========
valid step that reaches the goal       ``+1.0`` and the episode is terminated
valid step that does not reach it      ``-0.01``
invalid action (unknown name, or a
move outside ``[minimum, maximum]``)   ``-0.1``, state unchanged
=====================================  ==========
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from psignal.errors import StateError
from psignal.world import Action, ActionSpec, Observation, StepResult, TaskInfo, World, WorldConfig

REWARDS = {"goal": 1.0, "step": -0.01, "invalid": -0.1}
_GOAL, _STEP = REWARDS["goal"], REWARDS["step"]
_NO_INFO: Mapping[str, Any] = MappingProxyType({})

_ACTIONS = [
    ActionSpec("+1", "Add one to the counter."),
    ActionSpec("-1", "Subtract one from the counter."),
    ActionSpec("reset", "Set the counter back to its start value (the episode continues)."),
]

_TASKS = {
    "reach-5": TaskInfo("reach-5", "Bring the counter from 0 to 5.", ("easy",)),
    "reach-10": TaskInfo("reach-10", "Bring the counter from 0 to 10.", ("easy",)),
    "down-to-0": TaskInfo("down-to-0", "Bring the counter from 5 down to 0.", ("easy",)),
}
_TASK_BOUNDS = {"reach-5": (0, 5), "reach-10": (0, 10), "down-to-0": (5, 0)}


class CounterConfig(WorldConfig):
    start: int | None = None
    """Overrides the task's start value."""
    goal: int | None = None
    """Overrides the task's goal."""
    minimum: int = 0
    maximum: int = 100


class CounterWorld(World):
    name: ClassVar[str] = "counter"
    version: ClassVar[str] = "1"
    Config: ClassVar[type[WorldConfig]] = CounterConfig
    invalid_reward: ClassVar[float] = REWARDS["invalid"]
    float_free_state: ClassVar[bool] = True  # integers, booleans and the task name

    def __init__(self, config: Mapping[str, Any] | WorldConfig | None = None) -> None:
        super().__init__(config)
        self.value = 0
        self.start = 0
        self.goal = 5

    def tasks(self) -> Mapping[str, TaskInfo]:
        return _TASKS

    def actions(self) -> list[ActionSpec]:
        return _ACTIONS

    def instruction(self) -> str:
        return f"The counter is at {self.start}. Bring it to {self.goal} using +1, -1 or reset."

    def reference_solution(self) -> list[Action]:
        """Straight to the goal from the current value."""
        name = "+1" if self.goal >= self.value else "-1"
        return [{"name": name, "arguments": {}} for _ in range(abs(self.goal - self.value))]

    def _reset(self) -> Observation:
        cfg: CounterConfig = self.config  # type: ignore[assignment]
        start, goal = _TASK_BOUNDS[self.task or "reach-5"]
        self.start = start if cfg.start is None else cfg.start
        self.goal = goal if cfg.goal is None else cfg.goal
        self.value = self.start
        return self.observe()

    def observe(self) -> Observation:
        return {"text": f"counter = {self.value} (goal {self.goal})", "value": self.value, "goal": self.goal}

    def _step(self, action: Action) -> StepResult:
        name = action["name"]
        if name == "reset":
            new = self.start
        else:
            new = self.value + 1 if name == "+1" else self.value - 1
            cfg: CounterConfig = self.config  # type: ignore[assignment]
            if new < cfg.minimum or new > cfg.maximum:
                return self.invalid(f"{name} would leave the range [{cfg.minimum}, {cfg.maximum}]")
        self.value = new
        if new == self.goal:
            return StepResult(self.observe(), _GOAL, True, False, True, _NO_INFO)
        return StepResult(self.observe(), _STEP, False, False, True, _NO_INFO)

    def _state(self) -> dict[str, Any]:
        return {"value": self.value, "start": self.start, "goal": self.goal}

    def _restore(self, state: Mapping[str, Any]) -> None:
        try:
            self.value, self.start, self.goal = int(state["value"]), int(state["start"]), int(state["goal"])
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"counter: malformed state {dict(state)!r}") from exc
