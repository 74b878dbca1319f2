"""Determinism checker: gymnasium's ``check_env`` idea for text and tool worlds.

For each seeded episode, random actions (drawn from the world's ``ActionSpec``s, plus deliberately unknown
ones) are played three times: twice from a fresh world, and once through ``state()``/``restore()`` into a
fresh world halfway. Any difference in observation, reward, flags or state hash is a problem. It also
checks the protocol's invariants: observations carry ``text``, states are JSON, and a rejected action
leaves the state unchanged. Problems are collected, not asserted (``python -O`` would strip asserts).
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psignal.errors import PworldsError
from psignal.registry import make_world
from psignal.world import Action, World, canonical_json, state_hash


class DeterminismError(PworldsError):
    """Raised by ``assert_deterministic`` when the checker found problems."""


@dataclass
class CheckReport:
    world: str
    task: str | None
    episodes: int = 0
    steps: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


Record = tuple[str, float, bool, bool, bool, str]


def _random_actions(world: World, rng: random.Random, n: int) -> list[Action]:
    specs = world.actions()
    actions: list[Action] = []
    reference = world.reference_solution() or []
    for k in range(n):
        roll = rng.random()
        if reference and roll < 0.3 and k < len(reference):
            actions.append(reference[k])
        elif roll < 0.4:
            actions.append({"name": f"no-such-action-{rng.randint(0, 99)}", "arguments": {}})
        else:
            actions.append(rng.choice(specs).generate(rng))
    return actions


def _play(world: World, actions: list[Action], problems: list[str], label: str) -> list[Record]:
    records: list[Record] = []
    before = state_hash(world.state()["world"])
    for action in actions:
        if world.done:
            break
        result = world.step(action)
        state = world.state()  # once per step: for file-backed worlds it reads the workspace
        after_world, after = state_hash(state["world"]), state_hash(state)
        if world.state_hash() != after:
            problems.append(f"{label}: state_hash() after {action['name']!r} is not the hash of state()")
        if "text" not in result.observation:
            problems.append(f"{label}: observation of {action['name']!r} has no 'text'")
        if not result.valid and before != after_world:
            problems.append(f"{label}: rejected action {action['name']!r} changed the state")
        before = after_world
        records.append(
            (
                canonical_json(result.observation),
                result.reward,
                result.terminated,
                result.truncated,
                result.valid,
                after,
            )
        )
    return records


def _compare(a: list[Record], b: list[Record], label: str, problems: list[str], offset: int = 0) -> None:
    names = ("observation", "reward", "terminated", "truncated", "valid", "state_hash")
    for i, (x, y) in enumerate(zip(a, b, strict=False), start=1 + offset):
        for name, u, v in zip(names, x, y, strict=True):
            if u != v:
                problems.append(f"{label}: step {i} {name} differs: {str(u)[:120]!r} vs {str(v)[:120]!r}")
                return
    if len(a) != len(b):
        problems.append(f"{label}: episode lengths differ ({len(a)} vs {len(b)})")


def check_world(
    world: str,
    *,
    config: Mapping[str, Any] | None = None,
    task: str | None = None,
    episodes: int = 5,
    steps: int = 20,
    seed: int = 0,
    factory: Callable[[], World] | None = None,
) -> CheckReport:
    """Run the checks; ``factory`` overrides how fresh worlds are built (e.g. an unregistered class)."""
    build = factory or (lambda: make_world(world, config))
    scratch = Path(tempfile.mkdtemp(prefix="pworlds-check-"))
    made: list[World] = []

    def fresh() -> World:
        w = build()
        workdir = scratch / f"w{len(made)}"
        workdir.mkdir()
        w.attach(workdir)
        made.append(w)
        return w

    try:
        probe = fresh()
        report = CheckReport(probe.name, task or probe.default_task)
        if not probe.deterministic:
            report.skipped = f"{probe.name} declares deterministic = False"
            return report
        for episode in range(episodes):
            ep_seed = seed + episode
            label = f"episode {episode + 1} (seed {ep_seed})"
            a, b, c = fresh(), fresh(), fresh()
            obs_a, obs_b = a.reset(task=report.task, seed=ep_seed), b.reset(task=report.task, seed=ep_seed)
            if canonical_json(obs_a) != canonical_json(obs_b) or state_hash(a.state()) != state_hash(
                b.state()
            ):
                report.problems.append(f"{label}: two resets with the same seed differ")
            try:
                canonical_json(a.state())
            except (TypeError, ValueError) as exc:
                report.problems.append(f"{label}: state() is not JSON-serialisable: {exc}")
                continue
            actions = _random_actions(a, random.Random(ep_seed), steps)
            run_a = _play(a, actions, report.problems, label)
            run_b = _play(b, actions, report.problems, label)
            _compare(run_a, run_b, f"{label} rerun", report.problems)
            half = len(run_a) // 2
            c.reset(task=report.task, seed=ep_seed)
            _play(c, actions[:half], report.problems, label)
            d = fresh()
            d.restore(c.state())
            if state_hash(d.state()) != state_hash(c.state()):
                report.problems.append(f"{label}: restore(state()) does not reproduce the state")
            run_d = _play(d, actions[half:], report.problems, label)
            _compare(run_a[half:], run_d, f"{label} after save/restore", report.problems, offset=half)
            report.episodes += 1
            report.steps += len(run_a)
        return report
    finally:
        for w in made:
            w.close()
        shutil.rmtree(scratch, ignore_errors=True)


def assert_deterministic(world: str, **kwargs: Any) -> CheckReport:
    report = check_world(world, **kwargs)
    if report.problems:
        raise DeterminismError(
            f"{world}: {len(report.problems)} problem(s): " + "; ".join(report.problems[:5])
        )
    return report
