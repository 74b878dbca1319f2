"""Every shipped env: `env check` passes; for every task the reference solution passes, doing nothing
fails, and the task's negative solution fails. Discovers whatever envs exist under envs/."""

from __future__ import annotations

import pytest

from pworlds.worlds.toolworld import ToolWorld
from pworlds.worlds.toolworld.envs import shipped_env_dirs
from pworlds.worlds.toolworld.episode import content_hash
from pworlds.worlds.toolworld.loader import load_env
from pworlds.worlds.toolworld.validate import check_env

ENVS = shipped_env_dirs()


def _tasks() -> list[tuple[str, str]]:
    out = []
    for env_id, path in ENVS.items():
        try:
            env = load_env(path)
        except Exception:  # reported by test_env_check_passes
            continue
        out += [(env_id, task) for task in env.tasks]
    return out


@pytest.mark.parametrize(
    "env_id", sorted(ENVS) or [pytest.param("none", marks=pytest.mark.skip("no shipped envs"))]
)
def test_env_check_passes(env_id: str) -> None:
    report = check_env(ENVS[env_id], run=False)
    assert report.ok, "\n".join(map(str, report.problems))


def _run(world: ToolWorld, actions: list[dict]) -> tuple[float, dict]:
    result = None
    for action in actions:
        result = world.step(action)
        assert result.valid, f"{action} was rejected: {result.info.get('error')}"
    assert result is not None and result.terminated
    return result.reward, dict(result.info["verdict"])


TASKS = _tasks()


@pytest.mark.parametrize(
    ("env_id", "task"), TASKS or [pytest.param("none", "none", marks=pytest.mark.skip("none"))]
)
def test_task_reference_passes_nothing_and_negative_fail(env_id: str, task: str) -> None:
    world = ToolWorld({"env": env_id, "max_steps": None})
    try:
        world.reset(task=task)
        solution = world.reference_solution()
        assert solution, f"{env_id}/{task} has no reference solution"
        reward, verdict = _run(world, solution)
        assert verdict["status"] == "pass" and reward > 0, verdict
        world.reset(task=task)
        reward, verdict = _run(world, [{"name": "finish", "arguments": {"answer": None}}])
        assert verdict["status"] == "fail" and reward == 0.0, verdict
        world.reset(task=task)
        negative = world.negative_solution()
        assert negative, f"{env_id}/{task} has no negative solution"
        reward, verdict = _run(world, negative)
        assert verdict["status"] == "fail" and reward == 0.0, verdict
    finally:
        world.close()


@pytest.mark.parametrize(
    ("env_id", "task"), TASKS or [pytest.param("none", "none", marks=pytest.mark.skip("none"))]
)
def test_reset_after_any_solution_rewinds_in_place(env_id: str, task: str) -> None:
    """Whatever a task's solutions insert, update or delete, reset brings the image back on the same
    connection (no fresh copy that would parse the schema and compile every statement again)."""
    world = ToolWorld({"env": env_id, "max_steps": None})
    try:
        world.reset(task=task)
        assert world.episode is not None
        episode, conn, initial = world.episode, world.episode.conn, world.episode.hash
        for solution in (world.reference_solution(), world.negative_solution()):
            for action in solution or []:
                if action["name"] != "finish":
                    world.step(action)
            world.reset(task=task)
            assert world.episode is episode and world.episode.conn is conn
            assert episode.hash == initial == world.env.image.initial_hash
            assert content_hash(conn, world.env.image.tables) == initial  # the data, not just the counter
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        world.close()
