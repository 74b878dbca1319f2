"""The gymnasium adapter passes gymnasium's own checker and keeps rejected text as invalid steps."""

from __future__ import annotations

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import pworlds.gym  # noqa: F401 - registers pworlds/<world>-v0
from pworlds.gym import PworldsEnv


def test_counter_passes_gymnasium_check_env() -> None:
    check_env(PworldsEnv("counter"), skip_render_check=True)


def test_registered_id_plays_to_the_goal() -> None:
    env = gym.make("pworlds/counter-v0")
    obs, _ = env.reset(seed=0)
    assert obs == "counter = 0 (goal 5)"
    for _ in range(5):
        obs, reward, terminated, truncated, _ = env.step("+1")
    assert terminated and not truncated and reward == 1.0


def test_garbage_text_is_an_invalid_step() -> None:
    env = PworldsEnv("counter")
    env.reset(seed=0)
    obs, reward, terminated, _, info = env.step("@@@")
    assert info["valid"] is False and reward == pytest.approx(-0.1) and not terminated
    assert env.observation_space.contains(obs)
