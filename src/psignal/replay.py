"""Replay: rebuild the world from a trace's ``start`` event, re-apply every action, compare every step.

Compared per step: ``valid``, ``reward``, ``terminated``, ``truncated`` and ``state_hash`` (and the state
hash of every ``start``/``reset``). Times are never compared. The first difference stops the replay and
is reported with both values. Worlds that declare ``deterministic = False`` are replayed the same way but
a divergence is reported as expected nondeterminism rather than tampering.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psignal.errors import PworldsError, TraceError
from psignal.registry import make_world
from psignal.trace import read_trace
from psignal.world import World

COMPARED = ("valid", "reward", "terminated", "truncated", "state_hash")


@dataclass(frozen=True)
class Divergence:
    line: int
    """1-based event number in the trace."""
    episode: int
    step: int
    field: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        where = f"episode {self.episode} step {self.step}" if self.step else f"episode {self.episode} start"
        return f"diverged at {where} (trace line {self.line}): {self.field} expected {self.expected!r}, got {self.actual!r}"


@dataclass
class ReplayReport:
    steps: int = 0
    episodes: int = 0
    divergence: Divergence | None = None
    deterministic: bool = True
    warnings: list[str] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)
    """World-specific findings (e.g. pspec's tests whose verdict changed)."""

    @property
    def ok(self) -> bool:
        return self.divergence is None

    def summary(self) -> str:
        return f"OK ({self.steps} steps)" if self.ok else str(self.divergence)


def _same(field_name: str, expected: Any, actual: Any) -> bool:
    if field_name == "reward" and isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(float(expected), float(actual), rel_tol=0.0, abs_tol=1e-12)
    return expected == actual


def replay_events(events: Sequence[Mapping[str, Any]], *, workdir: Path | None = None) -> ReplayReport:
    """Replay parsed events. ``workdir`` is given to file-backed worlds (a temp dir if omitted)."""
    if not events:
        raise TraceError("the trace is empty; nothing to replay")
    start = events[0]
    if start.get("kind") != "start":
        raise TraceError("a trace must begin with a 'start' event")
    report = ReplayReport()
    owned = workdir is None
    root = Path(tempfile.mkdtemp(prefix="pworlds-replay-")) if workdir is None else workdir
    world: World | None = None
    try:
        world = make_world(start["world"], start.get("config") or {})
        report.deterministic = world.deterministic
        if world.version != start.get("world_version"):
            report.warnings.append(
                f"trace made with {world.name} version {start.get('world_version')}, replaying with {world.version}"
            )
        world.attach(root)
        _replay_into(world, events, report)
    except PworldsError:
        raise
    except (KeyError, TypeError) as exc:
        raise TraceError(f"trace event is missing a field: {exc!r}") from exc
    finally:
        if world is not None:
            world.close()
        if owned:
            shutil.rmtree(root, ignore_errors=True)
    return report


def _replay_into(world: World, events: Sequence[Mapping[str, Any]], report: ReplayReport) -> None:
    episode = 0
    for line, event in enumerate(events, start=1):
        kind = event["kind"]
        if kind in ("start", "reset"):
            episode += 1
            report.episodes = episode
            world.reset(task=event["task"], seed=event["seed"])
            actual = world.state_hash()
            if actual != event["state_hash"]:
                report.divergence = Divergence(line, episode, 0, "state_hash", event["state_hash"], actual)
                return
        elif kind == "step":
            result = world.replay_step(event["action"], event.get("info") or {})
            actual_hash = world.state_hash()
            report.steps += 1
            extra = result.info.get("replay") if result.info else None
            if extra:
                report.details.append({"episode": episode, "step": event["i"], **extra})
            if (
                result.valid is event["valid"]
                and result.terminated is event["terminated"]
                and result.truncated is event["truncated"]
                and actual_hash == event["state_hash"]
                and _same("reward", event["reward"], result.reward)
            ):
                continue
            actual_values = {
                "valid": result.valid,
                "reward": result.reward,
                "terminated": result.terminated,
                "truncated": result.truncated,
                "state_hash": actual_hash,
            }
            for name in COMPARED:
                if not _same(name, event[name], actual_values[name]):
                    report.divergence = Divergence(
                        line, episode, event["i"], name, event[name], actual_values[name]
                    )
                    return


def replay_dir(path: Path | str) -> ReplayReport:
    """Replay a task folder (or a bare ``trace.jsonl``) in a scratch directory; the folder is not touched."""
    p = Path(path)
    read = read_trace(p / "trace.jsonl" if p.is_dir() else p, warn=False)
    report = replay_events(read.events)
    report.warnings[:0] = read.warnings
    return report
