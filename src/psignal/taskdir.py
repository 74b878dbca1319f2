"""A task folder: one episode history you can see, edit around, replay and export.

::

    DIR/psignal.yaml   metadata (format, world, world version, task, seed, config, created, versions)
    DIR/state.json     current state; replaced atomically (temp file, fsync, rename) after every step
    DIR/trace.jsonl    append-only event log (see psignal.trace)
    DIR/README.md      what the task is and how to act on it
    DIR/...            world files (a workspace, a database) written by the world's hooks

Guarantees: creating a folder either completes or removes what it wrote; corrupt metadata or state is
reported naming the file and nothing is overwritten; two processes acting on one folder are serialised
by an exclusive lock on ``DIR/.psignal.lock``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from psignal import __version__
from psignal.errors import StateError, TaskDirError
from psignal.folder import (
    LOCK_FILE,
    META_FILE,
    README_FILE,
    STATE_FILE,
    TRACE_FILE,
    TaskMeta,
    atomic_write,
    load_status,
    summarize,
    trace_events,
)
from psignal.registry import make_world
from psignal.trace import (
    Durability,
    TraceWriter,
    end_event,
    episode_event,
    now,
    parse_trace,
    step_event,
)
from psignal.world import Action, Observation, StepResult, World, normalize_action, state_hash


class FolderLock:
    """Exclusive advisory lock; waits up to ``timeout_s`` for another process to finish."""

    def __init__(self, path: Path, timeout_s: float = 30.0) -> None:
        self.path = path
        self._file: IO[bytes] | None = open(path, "a+b")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    self._file.close()
                    raise TaskDirError(
                        f"{path.parent}: locked by another process for {timeout_s:.0f}s; try again when it is done"
                    ) from exc
                time.sleep(0.01)

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def render_readme(meta: TaskMeta, world: World) -> str:
    specs = world.actions()
    actions = "\n".join(f"- `{s.name}` — {s.description}" for s in specs[:60])
    example = specs[0].name if specs else "ACTION"
    return f"""# {meta.world} task `{meta.task}`

{world.instruction()}

- world: `{meta.world}` (version {meta.world_version}), seed {meta.seed}
- created: {meta.created} with pworlds {meta.pworlds_version}

## Act

```
pworlds show .                 # current observation and return so far
pworlds step . ACTION          # e.g. {example}
pworlds reset .                # start the episode again (the trace keeps everything)
```

Actions:

{actions}

## Inspect, replay, export

```
pworlds trace .                          # the recorded steps
pworlds replay .                         # re-execute the trace and compare every step
pworlds export . --format sft -o out.jsonl
pworlds package . -o training_artifact.json
```

Files: `psignal.yaml` (metadata), `state.json` (current state), `trace.jsonl` (append-only history).
"""


class TaskDir:
    """A world bound to a folder. Open it, step it, close it (or use ``with``).

    The trace is the source of truth; ``state.json`` is a checkpoint of it. With durability ``step`` the
    checkpoint is rewritten (atomically, fsync'd) after every step; with ``every:N`` or ``close`` only when
    the trace is synced. Opening a folder whose trace runs past its checkpoint (a crash, or a cheaper
    durability) restores the checkpoint and re-applies the remaining events, checking each state hash.
    """

    def __init__(
        self, root: Path, meta: TaskMeta, world: World, status: dict[str, Any], lock: FolderLock
    ) -> None:
        self.root = root
        self.meta = meta
        self.world = world
        self.status = status
        self._lock: FolderLock | None = lock
        self._writer = TraceWriter(root / TRACE_FILE, meta.durability)
        self._dirty = False

    # ------------------------------------------------------------------ construction
    @classmethod
    def create(
        cls,
        path: Path | str,
        world: str,
        *,
        task: str | None = None,
        seed: int | None = None,
        config: Mapping[str, Any] | None = None,
        durability: str | Durability | None = None,
    ) -> TaskDir:
        root = Path(path)
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise TaskDirError(f"{root}: already exists and is not empty; choose a new folder")
        durability = Durability.parse(durability)
        instance = make_world(world, config)  # unknown world / bad config fail before anything is written
        created_dir = not root.exists()
        root.mkdir(parents=True, exist_ok=True)
        try:
            lock = FolderLock(root / LOCK_FILE)
            instance.attach(root)
            observation = instance.reset(task=task, seed=seed)
            meta = TaskMeta(
                world=instance.name,
                world_version=instance.version,
                task=instance.task,
                seed=instance.seed,
                config=instance.config.model_dump(mode="json", exclude_defaults=True),
                created=now(),
                pworlds_version=__version__,
                durability=str(durability),
            )
            (root / META_FILE).write_text(meta.to_yaml(), encoding="utf-8")
            status = {"episode": 1, "return": 0.0, "observation": observation, "last_reward": None}
            td = cls(root, meta, instance, status, lock)
            td._writer.append(episode_event("start", instance, observation))
            td.checkpoint()
            (root / README_FILE).write_text(render_readme(meta, instance), encoding="utf-8")
            return td
        except BaseException:
            instance.close()
            if created_dir:
                shutil.rmtree(root, ignore_errors=True)
            else:
                for child in root.iterdir():
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            raise

    @classmethod
    def open(cls, path: Path | str, *, lock_timeout_s: float = 30.0) -> TaskDir:
        root = Path(path)
        if not root.is_dir():
            raise TaskDirError(f"{root}: no such task folder")
        meta = TaskMeta.load(root / META_FILE)
        lock = FolderLock(root / LOCK_FILE, lock_timeout_s)
        try:
            status = load_status(root)
            world = make_world(meta.world, meta.config)
            if world.version != meta.world_version:
                raise TaskDirError(
                    f"{root / META_FILE}: made with {meta.world} version {meta.world_version}, installed is "
                    f"{world.version}; replay it with the matching pworlds version"
                )
            world.attach(root)
            try:
                world.restore(status["state"])
            except StateError as exc:
                raise TaskDirError(f"{root / STATE_FILE}: cannot restore the world: {exc}") from exc
            td = cls(root, meta, world, status, lock)
        except BaseException:
            lock.release()
            raise
        try:
            td._catch_up()
        except BaseException:
            td.close(checkpoint=False)
            raise
        return td

    def _catch_up(self) -> None:
        """Re-apply trace events written after the checkpoint; set aside a torn last line first."""
        trace = self.root / TRACE_FILE
        offset = int(self.status.get("trace_bytes", 0))
        size = trace.stat().st_size if trace.exists() else 0
        if size < offset:
            raise TaskDirError(
                f"{trace}: shorter ({size} bytes) than {STATE_FILE} records ({offset}); the trace was truncated"
            )
        if size == offset:
            return
        with open(trace, "rb") as f:
            f.seek(offset)
            tail = f.read()
        complete, _, torn = tail.rpartition(b"\n")
        if torn:
            kept = trace.with_name(f"{TRACE_FILE}.torn-{offset + len(complete) + 1}")
            kept.write_bytes(torn)
            os.truncate(trace, offset + len(complete) + (1 if complete else 0))
            warnings.warn(f"{trace}: torn last line moved to {kept.name}", stacklevel=3)
        events = parse_trace(
            [line + b"\n" for line in complete.split(b"\n") if line], str(trace), whole=False
        ).events
        for event in events:
            self._apply_recorded(event)
        self._writer.reopen()
        if events:
            self._dirty = True
            self.checkpoint()

    def _apply_recorded(self, event: Mapping[str, Any]) -> None:
        world = self.world
        kind = event["kind"]
        if kind == "step":
            result = world.replay_step(event["action"], event.get("info") or {})
            self._record(result)
        elif kind in ("reset", "start"):
            self._begin_episode(world.reset(task=event["task"], seed=event["seed"]))
        else:
            return
        if world.state_hash() != event["state_hash"]:
            raise TaskDirError(
                f"{self.root / TRACE_FILE}: recovering past the checkpoint diverged at a {kind} event; "
                "run `pworlds replay` to see where"
            )

    # ------------------------------------------------------------------ acting
    @property
    def observation(self) -> Observation:
        return self.status["observation"]

    def _begin_episode(self, observation: Observation) -> None:
        self.status.update(episode=self.status["episode"] + 1, observation=observation, last_reward=None)
        self.status["return"] = 0.0

    def _record(self, result: StepResult) -> None:
        self.status["return"] = self.status["return"] + result.reward
        self.status["observation"] = dict(result.observation)
        self.status["last_reward"] = result.reward

    def step(self, action: Action | str) -> StepResult:
        world = self.world
        applied = normalize_action(action)
        result = world.step(applied)
        self._record(result)
        synced = self._writer.append(step_event(world.steps, applied, result, world.state_hash()))
        if result.done:
            reason = "terminated" if result.terminated else "truncated"
            synced = self._writer.append(end_event(reason, self.status["return"], world.steps)) or synced
        self._dirty = True
        if synced:
            self.checkpoint()
        return result

    def reset(self, *, seed: int | None = None, task: str | None = None) -> Observation:
        world = self.world
        if world.steps and not world.done:
            self._writer.append(end_event("abandoned", self.status["return"], world.steps))
        observation = world.reset(task=task or world.task, seed=world.seed if seed is None else seed)
        self._begin_episode(observation)
        synced = self._writer.append(episode_event("reset", world, observation))
        self._dirty = True
        if synced:
            self.checkpoint()
        return observation

    def checkpoint(self) -> None:
        """Sync the trace, let the world write its files, and replace state.json (fsync'd)."""
        self._writer.sync()
        self.world.persist(self.root)
        payload = {**self.status, "state": self.world.state(), "trace_bytes": self._writer.offset}
        payload["state_hash"] = state_hash(payload["state"])
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        atomic_write(self.root / STATE_FILE, data, fsync=True, tmp_name=".state.json.tmp")
        self._dirty = False

    def close(self, *, checkpoint: bool = True) -> None:
        try:
            if checkpoint and self._dirty:
                self.checkpoint()
            self._writer.close()
            self.world.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> TaskDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "META_FILE",
    "STATE_FILE",
    "TRACE_FILE",
    "FolderLock",
    "TaskDir",
    "TaskMeta",
    "atomic_write",
    "load_status",
    "summarize",
    "trace_events",
]
