"""Reading and writing the files of a task folder, without loading any world (fast for ``pworlds show``)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from psignal.errors import TaskDirError
from psignal.trace import read_trace

FORMAT_VERSION = 1
META_FILE, STATE_FILE, TRACE_FILE, README_FILE, LOCK_FILE = (
    "psignal.yaml",
    "state.json",
    "trace.jsonl",
    "README.md",
    ".psignal.lock",
)


@contextmanager
def atomic_file(path: Path, *, fsync: bool = True, tmp_name: str | None = None) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` only if the ``with`` block completes (temp file, fsync, rename).

    On any exception the temp file is removed and ``path`` is untouched. ``tmp_name`` reuses a fixed temp
    name (cheaper than ``mkstemp``); only safe under the folder lock.
    """
    if tmp_name is None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    else:
        tmp = str(path.parent / tmp_name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes, *, fsync: bool = True, tmp_name: str | None = None) -> None:
    """Replace ``path`` with ``data`` atomically (see ``atomic_file``)."""
    with atomic_file(path, fsync=fsync, tmp_name=tmp_name) as f:
        f.write(data)


@dataclass(frozen=True)
class TaskMeta:
    world: str
    world_version: str
    task: str | None
    seed: int | None
    config: dict[str, Any]
    created: str
    pworlds_version: str
    durability: str = "step"
    format: int = FORMAT_VERSION

    def to_yaml(self) -> str:
        data = {
            "format": self.format,
            "world": self.world,
            "world_version": self.world_version,
            "task": self.task,
            "seed": self.seed,
            "config": self.config,
            "durability": self.durability,
            "created": self.created,
            "pworlds_version": self.pworlds_version,
        }
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    @classmethod
    def load(cls, path: Path) -> TaskMeta:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise TaskDirError(
                f"{path}: missing; {path.parent} is not a task folder (create one: pworlds new)"
            ) from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise TaskDirError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
        if not isinstance(data, dict):
            raise TaskDirError(f"{path}: expected a mapping of metadata, got {type(data).__name__}")
        if data.get("format") != FORMAT_VERSION:
            raise TaskDirError(
                f"{path}: unsupported format {data.get('format')!r}; expected {FORMAT_VERSION}"
            )
        missing = [k for k in ("world", "world_version", "task", "seed") if k not in data]
        if missing or not isinstance(data.get("world"), str):
            raise TaskDirError(f"{path}: missing or invalid keys {missing or ['world']}")
        config = data.get("config") or {}
        if not isinstance(config, dict):
            raise TaskDirError(f"{path}: 'config' must be a mapping")
        return cls(
            world=data["world"],
            world_version=str(data["world_version"]),
            task=data["task"],
            seed=data["seed"],
            config=config,
            created=str(data.get("created", "")),
            pworlds_version=str(data.get("pworlds_version", "")),
            durability=str(data.get("durability", "step")),
        )


def load_status(root: Path) -> dict[str, Any]:
    """Read ``state.json`` without a world (for ``show``); errors name the file."""
    path = root / STATE_FILE
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TaskDirError(
            f"{path}: missing; the folder is incomplete (recreate it or restore from a package)"
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TaskDirError(f"{path}: corrupt JSON ({exc}); nothing was changed") from exc
    if not isinstance(status, dict) or not isinstance(status.get("state"), dict):
        raise TaskDirError(f"{path}: missing the 'state' object; nothing was changed")
    status.setdefault("return", 0.0)
    status.setdefault("episode", 1)
    status.setdefault("observation", {})
    return status


@dataclass(frozen=True)
class TaskSummary:
    """What ``pworlds show`` prints; readable without loading the world."""

    root: Path
    meta: TaskMeta
    status: dict[str, Any]

    @property
    def steps(self) -> int:
        return int(self.status["state"].get("steps", 0))

    @property
    def done(self) -> bool:
        state = self.status["state"]
        return bool(state.get("terminated") or state.get("truncated"))

    def to_json(self) -> dict[str, Any]:
        state = self.status["state"]
        return {
            "dir": str(self.root),
            "world": self.meta.world,
            "task": state.get("task", self.meta.task),
            "seed": state.get("seed", self.meta.seed),
            "episode": self.status["episode"],
            "steps": self.steps,
            "return": self.status["return"],
            "terminated": bool(state.get("terminated")),
            "truncated": bool(state.get("truncated")),
            "observation": self.status["observation"],
            "state_hash": self.status.get("state_hash"),
        }


def summarize(path: Path | str) -> TaskSummary:
    root = Path(path)
    if not root.is_dir():
        raise TaskDirError(f"{root}: no such task folder")
    return TaskSummary(root, TaskMeta.load(root / META_FILE), load_status(root))


def trace_events(path: Path | str) -> list[dict]:
    """Events of a task folder or a bare trace file (a torn last line is dropped with a warning)."""
    p = Path(path)
    return read_trace(p / TRACE_FILE if p.is_dir() else p).events
