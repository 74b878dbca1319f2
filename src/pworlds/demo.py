"""``pworlds demo``: every world end to end on built-in data, with nothing to configure.

For each planned task: create a task folder, act with the world's reference solution (the counter also
shows a rejected action), replay the trace, then export everything as SFT, RL and parquet and package one
folder as ``training_artifact.json``. A world that cannot run here (a missing optional tool) is reported
and skipped; the demo fails only if a world that ran does not replay.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psignal.errors import PworldsError
from psignal.export import export, load_episodes
from psignal.export.artifact import package
from psignal.registry import world_names
from psignal.replay import replay_dir
from psignal.taskdir import TaskDir


@dataclass(frozen=True)
class DemoTask:
    label: str
    world: str
    task: str | None
    config: dict[str, Any]
    prelude: tuple[str, ...] = ()
    """Actions typed before the reference solution (to show rejected actions in the trace)."""


@dataclass
class DemoRow:
    label: str
    world: str
    task: str
    steps: int = 0
    return_: float = 0.0
    success: bool = False
    replay: str = "-"
    seconds: float = 0.0
    note: str = ""


def demo_plan() -> Iterator[DemoTask]:
    available = set(world_names())
    yield DemoTask("counter-reach-5", "counter", "reach-5", {}, prelude=("-1", "+1", "-1"))
    yield DemoTask("counter-down-to-0", "counter", "down-to-0", {})
    if "lemma" in available:
        for task in ("identity", "and_comm", "add_zero", "add_comm"):
            yield DemoTask(f"lemma-{task}", "lemma", task, {})
    if "spec" in available:
        for task in ("fizzbuzz", "median"):
            yield DemoTask(f"spec-{task}", "spec", task, {})
    if "toolworld" in available:
        try:
            from pworlds.worlds.toolworld.envs import shipped_env_dirs
        except ImportError:
            return
        for env_id in shipped_env_dirs():
            yield DemoTask(f"toolworld-{env_id}", "toolworld", None, {"env": env_id})


def _run_task(plan: DemoTask, root: Path) -> DemoRow:
    row = DemoRow(plan.label, plan.world, plan.task or "")
    started = time.perf_counter()
    folder = root / plan.label
    try:
        with TaskDir.create(folder, plan.world, task=plan.task, config=plan.config) as td:
            row.task = td.world.task or ""
            for text in plan.prelude:
                td.step(td.world.parse_action(text))
            for action in td.world.reference_solution() or []:
                if td.world.done:
                    break
                td.step(action)
        episode = load_episodes([folder])[-1]  # success as every export judges it (verdicts included)
        row.steps, row.return_, row.success = len(episode.steps), episode.return_, episode.success
        report = replay_dir(folder)
        row.replay = "OK" if report.ok else f"DIVERGED: {report.divergence}"
    except PworldsError as exc:
        row.note = str(exc).splitlines()[0][:90]
        shutil.rmtree(folder, ignore_errors=True)
    row.seconds = time.perf_counter() - started
    return row


def run_demo(out: Path, *, fresh: bool = True, console: Any = None) -> list[DemoRow]:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    console = console or Console()
    if fresh and out.exists():
        shutil.rmtree(out)
    tasks_root, data_root = out / "tasks", out / "dataset"
    tasks_root.mkdir(parents=True, exist_ok=True)
    data_root.mkdir(parents=True, exist_ok=True)
    plan = list(demo_plan())
    rows: list[DemoRow] = []
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("running worlds", total=len(plan))
        for item in plan:
            progress.update(bar, description=f"{item.label}")
            rows.append(_run_task(item, tasks_root))
            progress.advance(bar)

    ran = [r for r in rows if not r.note]
    table = Table("task folder", "task", "steps", "return", "solved", "replay", "time", title="pworlds demo")
    for r in rows:
        table.add_row(
            r.label,
            r.task,
            str(r.steps),
            f"{r.return_:.3f}",
            "yes" if r.success else "no",
            r.replay if not r.note else "skipped",
            f"{r.seconds:.2f}s",
        )
    console.print(table)
    for r in rows:
        if r.note:
            console.print(f"skipped {r.label}: {r.note}", markup=False, highlight=False)
    if ran:
        folders = [tasks_root / r.label for r in ran]
        summaries = [
            export(folders, "sft", data_root / "sft.jsonl"),
            export(folders, "rl", data_root / "rl.jsonl"),
            export(folders, "parquet", data_root / "trajectories.parquet"),
        ]
        package(folders[0], out / "training_artifact.json")
        for s in summaries:
            console.print(f"exported {s.episodes} episodes / {s.steps} steps → {s.out}", markup=False)
        console.print(f"packaged {folders[0].name} → {out / 'training_artifact.json'}", markup=False)
    bad = [r for r in ran if r.replay != "OK"]
    console.print(
        f"\n{len(ran)}/{len(rows)} tasks ran, {sum(r.success for r in ran)} solved, "
        f"{len(ran) - len(bad)} replayed identically. Task folders: {tasks_root}/ — try "
        f"`pworlds show {tasks_root / rows[0].label}`",
        markup=False,
    )
    if bad:
        raise PworldsError(f"{len(bad)} demo task(s) did not replay: {', '.join(r.label for r in bad)}")
    return rows
