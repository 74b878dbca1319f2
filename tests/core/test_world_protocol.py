"""The World contract: template methods, invalid actions, termination, truncation, save/restore."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field, computed_field

from psignal.errors import EpisodeStateError, StateError, UnknownTaskError, UsageError
from psignal.world import ActionSpec, StepResult, normalize_action, state_hash
from pworlds.worlds.counter import REWARDS, CounterWorld


def test_step_before_reset_is_a_clear_error() -> None:
    with pytest.raises(EpisodeStateError, match="before reset"):
        CounterWorld().step("+1")


def test_reaching_the_goal_terminates_with_the_goal_reward() -> None:
    world = CounterWorld()
    world.reset()
    results = [world.step("+1") for _ in range(5)]
    assert [r.reward for r in results] == [REWARDS["step"]] * 4 + [REWARDS["goal"]]
    assert results[-1].terminated and not results[-1].truncated
    assert results[-1].observation["value"] == 5


def test_step_after_the_end_raises_until_reset() -> None:
    world = CounterWorld({"goal": 1})
    world.reset()
    world.step("+1")
    with pytest.raises(EpisodeStateError, match="ended"):
        world.step("+1")
    world.reset()
    assert world.step("+1").terminated


def test_unknown_action_is_an_invalid_step_not_an_exception() -> None:
    world = CounterWorld()
    world.reset()
    before = state_hash(world.state()["world"])
    result = world.step({"name": "jump", "arguments": {}})
    assert not result.valid
    assert result.reward == REWARDS["invalid"]
    assert "did you mean" in result.observation["text"] or "valid:" in result.observation["text"]
    assert state_hash(world.state()["world"]) == before


def test_move_out_of_range_is_invalid_and_changes_nothing() -> None:
    world = CounterWorld()
    world.reset()
    result = world.step("-1")
    assert not result.valid and world.value == 0


def test_arguments_on_a_no_argument_action_are_rejected() -> None:
    world = CounterWorld()
    world.reset()
    result = world.step({"name": "+1", "arguments": {"by": 3}})
    assert not result.valid and world.value == 0


def test_step_budget_truncates_and_is_not_termination() -> None:
    world = CounterWorld({"max_steps": 2})
    world.reset()
    world.step("+1")
    result = world.step("+1")
    assert result.truncated and not result.terminated


def test_save_restore_round_trip_continues_identically() -> None:
    a = CounterWorld()
    a.reset(seed=3)
    a.step("+1")
    b = CounterWorld()
    b.restore(a.state())
    assert state_hash(a.state()) == state_hash(b.state())
    assert a.step("+1") == b.step("+1")


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"task": "reach-5"},
        {"task": "nope", "seed": 0, "steps": 0, "terminated": False, "truncated": False, "world": {}},
        None,
    ],
)
def test_restoring_a_malformed_state_raises_state_error(bad: object) -> None:
    with pytest.raises(StateError):
        CounterWorld().restore(bad)  # type: ignore[arg-type]


def test_unknown_task_suggests_the_closest() -> None:
    with pytest.raises(UnknownTaskError, match="did you mean 'reach-5'"):
        CounterWorld().reset(task="reach-50")


def test_unknown_config_keys_are_refused_not_dropped() -> None:
    with pytest.raises(UsageError, match="goall"):
        CounterWorld({"goall": 3})


def test_same_seed_same_everything() -> None:
    runs = []
    for _ in range(2):
        w = CounterWorld()
        w.reset(seed=7)
        runs.append([w.step(a) for a in ["+1", "-1", "reset", "+1"]] + [state_hash(w.state())])
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "bad", [3, {"arguments": {}}, {"name": "x", "arguments": []}, {"name": "x", "extra": 1}]
)
def test_malformed_actions_are_library_misuse(bad: object) -> None:
    with pytest.raises(UsageError):
        normalize_action(bad)


class _Move(BaseModel):
    steps: int
    label: str = "x"


def test_action_spec_from_model_validates_and_generates() -> None:
    import random

    spec = ActionSpec.from_model("move", "Move by some steps.", _Move)
    assert spec.validate({"steps": "3"})["steps"] == 3
    with pytest.raises(ValueError, match="steps"):
        spec.validate({"label": "y"})
    assert spec.to_tool()["function"]["parameters"]["required"] == ["steps"]
    generated = spec.generate(random.Random(1))
    assert isinstance(generated["arguments"]["steps"], int)


class _Inner(BaseModel):
    x: int


class _Nested(BaseModel):
    inner: _Inner
    tags: list[str] = []


class _Computed(BaseModel):
    a: int
    hidden: int = Field(0, exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def double(self) -> int:
        return 2 * self.a


class _Flat(BaseModel):
    n: int
    when: str | None = None
    kind: Literal["a", "b"] = "a"
    ids: list[int] = []
    extra: dict[str, float | None] = {}


@pytest.mark.parametrize(
    ("model", "arguments"),
    [
        (_Flat, {"n": "4", "ids": ["1", 2], "extra": {"k": 1}}),
        (_Flat, {"n": 1, "kind": "b", "when": None}),
        (_Nested, {"inner": {"x": "5"}, "tags": ["t"]}),
        (_Computed, {"a": 3, "hidden": 7}),
    ],
)
def test_validated_arguments_are_what_model_dump_gives(model: type[BaseModel], arguments: dict) -> None:
    """Flat argument models skip the serializer pass; the result must not differ from model_dump()."""
    spec = ActionSpec.from_model("act", "Act.", model)
    expected = model.model_validate(arguments).model_dump()
    assert spec.validate(arguments) == expected
    assert type(spec.validate(arguments)) is dict


def test_step_result_is_frozen() -> None:
    result = StepResult({"text": ""}, 0.0, False, False, True, {})
    with pytest.raises(AttributeError):
        result.reward = 1.0  # type: ignore[misc]
    assert not result.done
