"""Replay re-executes a trace and reports the first divergence with expected and actual values."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from psignal.errors import TraceError
from psignal.replay import replay_dir, replay_events
from psignal.taskdir import TaskDir


def _edit_event(trace: Path, index: int, **changes: object) -> None:
    lines = trace.read_text().splitlines()
    event = json.loads(lines[index])
    event.update(changes)
    lines[index] = json.dumps(event)
    trace.write_text("\n".join(lines) + "\n")


def test_an_untouched_trace_replays_ok(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1", "-1", "-1", "+1")
    td.reset(seed=2)
    td.step("+1")
    report = replay_dir(td.root)
    assert report.ok and report.steps == 5 and report.episodes == 2
    assert report.summary() == "OK (5 steps)"


def test_tampered_reward_is_detected_at_its_step(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1", "+1", "+1")
    td.close()
    _edit_event(td.root / "trace.jsonl", 2, reward=5.0)
    report = replay_dir(td.root)
    assert not report.ok
    assert (report.divergence.step, report.divergence.field) == (2, "reward")
    assert report.divergence.expected == 5.0 and report.divergence.actual == pytest.approx(-0.01)


def test_tampered_action_is_detected(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1", "+1", "+1")
    td.close()
    _edit_event(td.root / "trace.jsonl", 3, action={"name": "-1", "arguments": {}})
    report = replay_dir(td.root)
    assert report.divergence is not None and report.divergence.step == 3
    assert report.divergence.field == "state_hash"


def test_tampered_validity_and_flags_are_detected(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("-1", "+1")
    td.close()
    _edit_event(td.root / "trace.jsonl", 1, valid=True)
    assert replay_dir(td.root).divergence.field == "valid"


def test_tampered_start_seed_is_detected_or_diverges(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1")
    td.close()
    _edit_event(td.root / "trace.jsonl", 0, state_hash="0" * 64)
    report = replay_dir(td.root)
    assert report.divergence.step == 0 and report.divergence.field == "state_hash"


def test_replay_works_on_a_bare_trace_file(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1")
    td.close()
    assert replay_dir(td.root / "trace.jsonl").ok


def test_empty_trace_is_an_error() -> None:
    with pytest.raises(TraceError, match="empty"):
        replay_events([])


def test_trace_event_missing_fields_is_an_error(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1")
    td.close()
    lines = (td.root / "trace.jsonl").read_text().splitlines()
    step = json.loads(lines[1])
    del step["action"]
    with pytest.raises(TraceError, match="missing a field"):
        replay_events([json.loads(lines[0]), step])
