"""Episodes as exports see them: the opening event, the steps, and how it ended."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psignal.errors import ExportError
from psignal.trace import iter_episodes, read_trace


@dataclass
class Episode:
    source: str
    index: int
    opening: Mapping[str, Any]
    steps: list[Mapping[str, Any]] = field(default_factory=list)
    end: Mapping[str, Any] | None = None

    @property
    def world(self) -> str:
        return self.opening["world"]

    @property
    def return_(self) -> float:
        return float(sum(s["reward"] for s in self.steps))

    @property
    def end_reason(self) -> str:
        if self.end is not None:
            return self.end["reason"]
        if self.steps and self.steps[-1]["terminated"]:
            return "terminated"
        if self.steps and self.steps[-1]["truncated"]:
            return "truncated"
        return "in_progress"

    @property
    def success(self) -> bool:
        """A world may say so in ``info.success``; otherwise terminated with a positive final reward."""
        if not self.steps:
            return False
        last = self.steps[-1]
        info = last.get("info") or {}
        if "success" in info:
            return bool(info["success"])
        verdict = info.get("verdict")
        if isinstance(verdict, Mapping) and "status" in verdict:
            return verdict["status"] == "pass"
        return bool(last["terminated"]) and float(last["reward"]) > 0

    def metadata(self) -> dict[str, Any]:
        o = self.opening
        return {
            "source": self.source,
            "episode": self.index,
            "world": o["world"],
            "world_version": o["world_version"],
            "task": o["task"],
            "seed": o["seed"],
            "config": o.get("config") or {},
            "steps": len(self.steps),
            "return": self.return_,
            "success": self.success,
            "end_reason": self.end_reason,
            "start_state_hash": o["state_hash"],
            "final_state_hash": self.steps[-1]["state_hash"] if self.steps else o["state_hash"],
        }


def episodes_from_events(events: Iterable[Mapping[str, Any]], source: str) -> list[Episode]:
    episodes = []
    for index, chunk in enumerate(iter_episodes(list(events)), start=1):
        episode = Episode(source, index, chunk[0])
        for event in chunk[1:]:
            if event["kind"] == "step":
                episode.steps.append(event)
            elif event["kind"] == "end":
                episode.end = event
        episodes.append(episode)
    return episodes


def load_episodes(sources: Iterable[Path | str], *, include_empty: bool = False) -> list[Episode]:
    """Episodes from task folders and/or ``trace.jsonl`` files (folders are searched for traces)."""
    episodes: list[Episode] = []
    for source in sources:
        path = Path(source)
        if path.is_dir() and not (path / "trace.jsonl").exists():
            traces = sorted(path.rglob("trace.jsonl"))
            if not traces:
                raise ExportError(f"{path}: no trace.jsonl found (pass task folders or trace files)")
        elif path.is_dir():
            traces = [path / "trace.jsonl"]
        elif path.exists():
            traces = [path]
        else:
            raise ExportError(f"{path}: no such task folder or trace file")
        for trace in traces:
            found = episodes_from_events(
                read_trace(trace).events, str(trace.parent if trace.name == "trace.jsonl" else trace)
            )
            episodes.extend(e for e in found if include_empty or e.steps)
    return episodes
