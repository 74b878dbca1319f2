"""The determinism checker finds what it claims to find."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, ClassVar

from psignal.check import check_world
from psignal.world import Action, StepResult
from pworlds.worlds.counter import CounterWorld

_clock = itertools.count()


class LeakyCounter(CounterWorld):
    """Rewards depend on a global counter: two runs never agree."""

    name: ClassVar[str] = "leaky"

    def _step(self, action: Action) -> StepResult:
        result = super()._step(action)
        return StepResult(
            result.observation, result.reward + next(_clock) * 1e-3, result.terminated, False, result.valid
        )


class ForgetfulCounter(CounterWorld):
    """restore() silently drops the value."""

    name: ClassVar[str] = "forgetful"

    def _restore(self, state: Mapping[str, Any]) -> None:
        super()._restore({**state, "value": 0})


class SloppyCounter(CounterWorld):
    """An invalid move still changes the value."""

    name: ClassVar[str] = "sloppy"

    def _step(self, action: Action) -> StepResult:
        result = super()._step(action)
        if not result.valid:
            self.value += 7
        return result


def test_counter_is_deterministic() -> None:
    report = check_world("counter", episodes=4, steps=25)
    assert report.ok and report.episodes == 4 and report.steps > 0


def test_nondeterministic_rewards_are_reported() -> None:
    report = check_world("leaky", factory=LeakyCounter, episodes=2)
    assert any("reward differs" in p for p in report.problems)


def test_lossy_restore_is_reported() -> None:
    report = check_world(
        "forgetful", factory=lambda: ForgetfulCounter({"maximum": 100}), episodes=3, steps=30
    )
    assert any("restore" in p for p in report.problems)


def test_invalid_action_changing_state_is_reported() -> None:
    report = check_world("sloppy", factory=SloppyCounter, episodes=3, steps=30)
    assert any("rejected action" in p for p in report.problems)


class FloatClaimingCounter(CounterWorld):
    """Claims a float-free state but keeps a float whose text differs between orjson and json."""

    name: ClassVar[str] = "float-claiming"

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "scale": 1e-07}  # orjson writes 1e-7, json 1e-07

    def _restore(self, state: Mapping[str, Any]) -> None:
        super()._restore({k: v for k, v in state.items() if k != "scale"})


def test_a_wrong_float_free_claim_is_reported() -> None:
    """The fast state hash must equal the definition; a world that lies about its state is caught."""
    assert not check_world("counter", episodes=2, steps=10).problems
    report = check_world("float-claiming", factory=FloatClaimingCounter, episodes=1, steps=5)
    assert any("is not the hash of state()" in p for p in report.problems)
