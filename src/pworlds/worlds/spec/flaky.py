"""Flaky-test detection: replay a spec task folder's evaluations and list verdicts that changed.

Replay (``pworlds replay``) stops at the first divergence; this re-runs *every* recorded evaluation from
its source snapshot (applied to the template, in a scratch copy) and reports each test whose outcome
differs from the recording, so an intermittently failing test shows up by name.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from psignal.errors import TaskDirError, UsageError


def flaky_report(folder: Path) -> dict[str, Any]:
    from psignal.trace import read_trace
    from pworlds.worlds.spec.world import SpecWorld

    trace = folder / "trace.jsonl"
    if not trace.is_file():
        raise TaskDirError(f"{trace}: missing; pass a task folder made by `pworlds new spec`")
    events = read_trace(trace).events
    if not events or events[0].get("world") != "spec":
        raise UsageError(f"{folder}: not a spec task folder (its trace starts with another world)")
    scratch = Path(tempfile.mkdtemp(prefix="pspec-flaky-"))
    world = SpecWorld(events[0].get("config") or {})
    changes: list[dict[str, Any]] = []
    evaluations = 0
    try:
        world.attach(scratch)
        for event in events:
            kind = event.get("kind")
            if kind in ("start", "reset"):
                world.reset(task=event["task"], seed=event["seed"])
            elif kind == "step":
                if world.done:
                    world.reset(task=world.task, seed=world.seed)
                result = world.replay_step(event["action"], event.get("info") or {})
                if "verdict_changes" in result.info:
                    evaluations += 1
                    for test, change in result.info["verdict_changes"].items():
                        changes.append({"step": event.get("i"), "test": test, **change})
    finally:
        world.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return {"folder": str(folder), "evaluations": evaluations, "changes": changes}
