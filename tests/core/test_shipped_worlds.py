"""Every shipped world passes the determinism checker, and the demo runs every world end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from psignal.check import check_world
from psignal.errors import PworldsError
from psignal.registry import world_class


def _shipped_env_ids() -> list[str]:
    try:
        from pworlds.worlds.toolworld.envs import shipped_env_dirs
    except ImportError:
        return []
    return list(shipped_env_dirs())


CASES: list[tuple[str, dict[str, Any], int, int]] = [
    ("counter", {}, 5, 25),
    ("lemma", {}, 4, 12),
    ("spec", {}, 1, 4),
    *[("toolworld", {"env": env_id}, 2, 10) for env_id in _shipped_env_ids()],
]


@pytest.mark.parametrize(
    ("world", "config", "episodes", "steps"),
    CASES,
    ids=[f"{c[0]}-{c[1].get('env', 'default')}" for c in CASES],
)
def test_shipped_world_is_deterministic(
    world: str, config: dict[str, Any], episodes: int, steps: int
) -> None:
    try:
        world_class(world)
    except PworldsError as exc:
        pytest.fail(f"shipped world {world!r} does not load: {exc}")
    report = check_world(world, config=config, episodes=episodes, steps=steps)
    assert report.skipped is None and report.problems == [], report.problems
    assert report.steps > 0


def test_demo_runs_every_world_replays_and_exports(tmp_path: Path) -> None:
    from rich.console import Console

    from pworlds.demo import run_demo

    rows = run_demo(tmp_path / "demo", console=Console(file=open(tmp_path / "log.txt", "w"), width=200))  # noqa: SIM115
    assert {r.world for r in rows} >= {"counter", "lemma", "spec", "toolworld"}
    assert [r.label for r in rows if r.note] == []
    assert all(r.replay == "OK" and r.success for r in rows), [(r.label, r.replay, r.success) for r in rows]
    sft = (tmp_path / "demo" / "dataset" / "sft.jsonl").read_text().splitlines()
    assert len(sft) == len(rows)
    assert {json.loads(line)["metadata"]["world"] for line in sft} == {
        "counter",
        "lemma",
        "spec",
        "toolworld",
    }
    assert (tmp_path / "demo" / "dataset" / "trajectories.parquet").stat().st_size > 0
    assert (tmp_path / "demo" / "training_artifact.json").exists()
