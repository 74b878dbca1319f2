"""The world registry: entry points, close matches, no silent override, third-party worlds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from psignal import registry
from psignal.errors import UnknownWorldError, UsageError
from psignal.world import ActionSpec, Observation, StepResult, TaskInfo, World


class CoinWorld(World):
    """A minimal third-party world: flip until heads."""

    name: ClassVar[str] = "coin-test"
    version: ClassVar[str] = "1"

    def tasks(self) -> Mapping[str, TaskInfo]:
        return {"heads": TaskInfo("heads", "Flip until heads.")}

    def actions(self) -> list[ActionSpec]:
        return [ActionSpec("flip", "Flip the coin.")]

    def _reset(self) -> Observation:
        self.side = "tails"
        return self.observe()

    def observe(self) -> Observation:
        return {"text": self.side}

    def _step(self, action: dict) -> StepResult:
        self.side = self.rng.choice(["heads", "tails"])
        return StepResult(
            self.observe(), 1.0 if self.side == "heads" else 0.0, self.side == "heads", False, True
        )

    def _state(self) -> dict[str, Any]:
        return {"side": self.side, "rng": list(self.rng.getstate()[1])}

    def _restore(self, state: Mapping[str, Any]) -> None:
        self.side = state["side"]
        self.rng.setstate((3, tuple(state["rng"]), None))


def test_shipped_worlds_are_found_through_entry_points() -> None:
    assert {"counter", "lemma", "spec", "toolworld"} <= set(registry.world_names())
    assert registry.world_class("counter").name == "counter"


def test_unknown_world_suggests_close_match() -> None:
    with pytest.raises(UnknownWorldError, match="did you mean 'counter'"):
        registry.make_world("countr")


def test_a_third_party_world_registers_and_runs() -> None:
    registry.register(CoinWorld)
    world = registry.make_world("coin-test")
    world.reset(seed=1)
    assert world.step("flip").valid


def test_registering_a_different_class_under_a_taken_name_is_refused() -> None:
    registry.register(CoinWorld)
    imposter = type("CoinWorld2", (CoinWorld,), {"name": "coin-test"})
    with pytest.raises(UsageError, match="already registered"):
        registry.register(imposter)
