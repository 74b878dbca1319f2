"""Trace events: one JSON object per line, appended and never rewritten.

Event kinds (all carry ``"v": 1``):

* ``start`` / ``reset`` — an episode begins: world, version, config, task, seed, instruction, the actions
  offered (OpenAI tool schemas, so exports need no world code), state hash, observation.
* ``step`` — ``i`` (1-based within the episode), action, valid, reward, terminated, truncated,
  observation, state hash, world-specific ``info``.
* ``end`` — reason (``terminated`` | ``truncated`` | ``abandoned``) and the episode's return.

``time`` fields are informational; replay never compares them. Reading is tolerant of exactly one
kind of damage: a torn last line (a crash mid-append) is dropped and reported; any other bad line is an
error naming its line number.
"""

from __future__ import annotations

import gc
import json
import os
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import orjson

from psignal.errors import TraceError, UsageError
from psignal.jsontext import compact_json

if TYPE_CHECKING:
    from psignal.world import Action, StepResult, World

TRACE_VERSION = 1
EVENT_KINDS = ("start", "reset", "step", "end")
EndReason = Literal["terminated", "truncated", "abandoned"]


_second: list[Any] = [None, ""]


def now() -> str:
    """UTC time with milliseconds, e.g. ``2026-01-31T12:00:00.123Z`` (the seconds part is cached)."""
    t = time.time()
    second = int(t)
    if second != _second[0]:
        _second[0], _second[1] = second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{_second[1]}.{int((t - second) * 1000):03d}Z"


def episode_event(kind: Literal["start", "reset"], world: World, observation: Mapping[str, Any]) -> dict:
    """The event that opens an episode; it carries everything replay and export need."""
    return {
        "v": TRACE_VERSION,
        "kind": kind,
        "world": world.name,
        "world_version": world.version,
        "config": world.config.model_dump(mode="json", exclude_defaults=True),
        "task": world.task,
        "seed": world.seed,
        "instruction": world.instruction(),
        "actions": [spec.to_tool() for spec in world.actions()],
        "state_hash": world.state_hash(),
        "observation": dict(observation),
        "time": now(),
    }


def step_event(i: int, action: Action, result: StepResult, hash_: str) -> dict:
    return {
        "v": TRACE_VERSION,
        "kind": "step",
        "i": i,
        "action": action,
        "valid": result.valid,
        "reward": result.reward,
        "terminated": result.terminated,
        "truncated": result.truncated,
        "observation": dict(result.observation),
        "state_hash": hash_,
        "info": dict(result.info),
        "time": now(),
    }


def end_event(reason: EndReason, return_: float, steps: int) -> dict:
    return {
        "v": TRACE_VERSION,
        "kind": "end",
        "reason": reason,
        "return": return_,
        "steps": steps,
        "time": now(),
    }


def encode_event(event: Mapping[str, Any]) -> bytes:
    """One trace line: compact JSON, UTF-8, newline-terminated (how every trace.jsonl is written)."""
    return compact_json(event, newline=True)


@dataclass(frozen=True)
class Durability:
    """When trace lines and state are fsync'd: every ``every`` events, or only at close (``every=None``).

    ``step`` (the default) survives a power cut after every step; ``every:N`` bounds the loss to N steps;
    ``close`` relies on the OS cache until the writer closes (a process crash still loses nothing).
    """

    every: int | None = 1

    @classmethod
    def parse(cls, text: str | int | Durability | None) -> Durability:
        if isinstance(text, Durability):
            return text
        if text is None or text == "step":
            return cls(1)
        if text == "close":
            return cls(None)
        value = str(text).removeprefix("every:")
        if value.isdigit() and int(value) > 0:
            return cls(int(value))
        raise UsageError(f"durability must be 'step', 'close' or 'every:N' (N > 0), got {text!r}")

    def __str__(self) -> str:
        return "close" if self.every is None else "step" if self.every == 1 else f"every:{self.every}"


class TraceWriter:
    """Appends events to ``trace.jsonl``; each line is written whole with one ``write`` call."""

    def __init__(self, path: Path, durability: Durability | str | None = None) -> None:
        self.path = path
        self.durability = Durability.parse(durability)
        self._file: IO[bytes] | None = None
        self._unsynced = 0
        self.reopen()

    def reopen(self) -> None:
        """(Re)open for appending, e.g. after a torn tail was cut off."""
        if self._file is not None:
            self._file.close()
        self._file = open(self.path, "ab")  # noqa: SIM115 - lives as long as the writer
        self.offset = self._file.tell()

    def append(self, event: Mapping[str, Any]) -> bool:
        """Append one event; True when this call fsync'd (so callers can sync what depends on it)."""
        if self._file is None:
            raise TraceError(f"{self.path}: trace writer is closed")
        data = encode_event(event)
        self._file.write(data)
        self.offset += len(data)
        self._unsynced += 1
        every = self.durability.every
        if every is not None and self._unsynced >= every:
            self.sync()
            return True
        self._file.flush()
        return False

    def sync(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._unsynced = 0

    def close(self) -> None:
        if self._file is not None:
            self.sync()
            self._file.close()
            self._file = None

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class TraceRead:
    events: list[dict]
    torn_line: int | None = None
    """1-based number of a dropped torn last line, if there was one."""
    warnings: list[str] = field(default_factory=list)


def parse_trace(
    lines: Sequence[bytes] | Sequence[str], source: str = "trace.jsonl", *, whole: bool = True
) -> TraceRead:
    """Parse trace lines; ``whole=False`` for a tail read from the middle of a trace."""
    events: list[dict] = []
    read = TraceRead(events)
    last = len(lines)
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if not text.strip():
            continue
        complete = text.endswith("\n")
        try:
            event = json.loads(text)
            if not isinstance(event, dict) or event.get("kind") not in EVENT_KINDS:
                raise ValueError(
                    f"not a trace event (kind={event.get('kind') if isinstance(event, dict) else None})"
                )
        except ValueError as exc:
            if number == last and not complete:
                read.torn_line = number
                read.warnings.append(f"{source}: line {number} is torn (incomplete write); ignored it")
                break
            raise TraceError(f"{source}: line {number} is not a valid trace event: {exc}") from exc
        if event.get("v") != TRACE_VERSION:
            raise TraceError(
                f"{source}: line {number} has trace version {event.get('v')!r}; expected {TRACE_VERSION}"
            )
        events.append(event)
    if whole and events and events[0]["kind"] != "start":
        raise TraceError(f"{source}: the first event is {events[0]['kind']!r}; a trace begins with 'start'")
    return read


def _parse_whole(data: bytes) -> list[dict] | None:
    """Fast path for an intact trace: one C-level JSON parse of the whole file.

    JSON text never contains a raw newline, so joining the lines with commas gives one JSON array. Any
    irregularity (a torn tail, a blank or bad line, a foreign event) returns None for the careful parser.
    """
    if not data:
        return []
    if not data.endswith(b"\n"):
        return None
    collecting = gc.isenabled()
    gc.disable()  # a bulk parse creates only live objects: cyclic GC passes over them are pure cost (~30%)
    try:
        events = orjson.loads(b"[" + data[:-1].replace(b"\n", b",") + b"]")
    except orjson.JSONDecodeError:  # also NaN literals and huge integers: the careful parser reads those
        return None
    finally:
        if collecting:
            gc.enable()
    for event in events:
        if type(event) is not dict or event.get("v") != TRACE_VERSION or event.get("kind") not in EVENT_KINDS:
            return None
    return events


def read_trace(path: Path | str, *, warn: bool = True) -> TraceRead:
    """Every complete event of a trace; a torn last line is dropped with a warning."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError as exc:
        raise TraceError(f"{path}: no trace file; is this a task folder or a trace.jsonl?") from exc
    except OSError as exc:
        raise TraceError(f"{path}: cannot read trace: {exc.strerror}") from exc
    events = _parse_whole(data)
    if events is not None:
        read = TraceRead(events)
        if events and events[0]["kind"] != "start":
            raise TraceError(f"{path}: the first event is {events[0]['kind']!r}; a trace begins with 'start'")
    else:  # something is off: the line-by-line parser finds and names it
        read = parse_trace(data.splitlines(keepends=True), str(path))
    if warn:
        for message in read.warnings:
            warnings.warn(message, stacklevel=2)
    return read


def iter_episodes(events: Sequence[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    """Split a trace into episodes: each begins with ``start``/``reset`` and runs to the next one."""
    current: list[Mapping[str, Any]] = []
    for event in events:
        if event["kind"] in ("start", "reset") and current:
            yield current
            current = []
        current.append(event)
    if current:
        yield current
