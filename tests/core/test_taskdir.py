"""Task folders: creation, corrupt files, locking, atomic state, crash recovery."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from psignal.errors import EpisodeStateError, TaskDirError, UnknownTaskError
from psignal.folder import summarize
from psignal.replay import replay_dir
from psignal.taskdir import TaskDir
from psignal.trace import read_trace


def test_create_writes_the_four_visible_files(tmp_path: Path) -> None:
    with TaskDir.create(tmp_path / "t", "counter", task="reach-10", seed=4):
        pass
    names = {p.name for p in (tmp_path / "t").iterdir()}
    assert {"psignal.yaml", "state.json", "trace.jsonl", "README.md"} <= names
    meta = yaml.safe_load((tmp_path / "t" / "psignal.yaml").read_text())
    assert (meta["world"], meta["task"], meta["seed"], meta["format"]) == ("counter", "reach-10", 4, 1)
    assert "pworlds step" in (tmp_path / "t" / "README.md").read_text()
    assert not list((tmp_path / "t").glob("*.tmp"))


def test_create_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "keep.txt").write_text("mine")
    with pytest.raises(TaskDirError, match="not empty"):
        TaskDir.create(tmp_path / "t", "counter")
    assert (tmp_path / "t" / "keep.txt").read_text() == "mine"


def test_failed_create_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(UnknownTaskError):
        TaskDir.create(tmp_path / "t", "counter", task="nope")
    assert not (tmp_path / "t").exists()


def test_steps_are_appended_and_state_follows(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1", "+1", "-1")
    events = read_trace(td.root / "trace.jsonl").events
    assert [e["kind"] for e in events] == ["start", "step", "step", "step"]
    state = json.loads((td.root / "state.json").read_text())
    assert state["state"]["world"]["value"] == 1 and state["state"]["steps"] == 3


def test_reaching_the_goal_writes_an_end_event_and_blocks_steps(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir(*["+1"] * 5)
    events = read_trace(td.root / "trace.jsonl").events
    assert events[-1]["kind"] == "end" and events[-1]["reason"] == "terminated"
    with pytest.raises(EpisodeStateError):
        td.step("+1")


def test_reset_mid_episode_records_abandoned_and_a_reset_event(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1")
    td.reset(seed=9)
    kinds = [(e["kind"], e.get("reason")) for e in read_trace(td.root / "trace.jsonl").events]
    assert kinds[-2:] == [("end", "abandoned"), ("reset", None)]
    assert td.world.seed == 9 and td.status["episode"] == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("psignal.yaml", "world: [unclosed", "psignal.yaml: not valid YAML"),
        ("psignal.yaml", "- a list\n", "psignal.yaml: expected a mapping"),
        ("psignal.yaml", "format: 99\nworld: counter\n", "unsupported format"),
        ("state.json", "{not json", "state.json: corrupt JSON"),
        ("state.json", '{"episode": 1}', "state.json: missing the 'state'"),
        ("state.json", '{"state": {"task": "reach-5"}}', "state.json: cannot restore"),
    ],
)
def test_corrupt_files_give_one_clear_error_and_are_not_overwritten(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    TaskDir.create(tmp_path / "t", "counter").close()
    (tmp_path / "t" / name).write_text(content)
    with pytest.raises(TaskDirError, match=message):
        TaskDir.open(tmp_path / "t")
    assert (tmp_path / "t" / name).read_text() == content


@pytest.mark.parametrize("name", ["psignal.yaml", "state.json"])
def test_missing_files_are_named(tmp_path: Path, name: str) -> None:
    TaskDir.create(tmp_path / "t", "counter").close()
    (tmp_path / "t" / name).unlink()
    with pytest.raises(TaskDirError, match=name):
        TaskDir.open(tmp_path / "t")


def test_a_second_opener_waits_for_the_lock_then_gives_up(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir()
    with pytest.raises(TaskDirError, match="locked by another process"):
        TaskDir.open(td.root, lock_timeout_s=0.2)


def _step_many(root: str, n: int) -> None:
    for _ in range(n):
        with TaskDir.open(root) as td:
            td.step("+1" if td.world.value < 50 else "-1")


def test_two_processes_stepping_one_folder_do_not_corrupt_it(tmp_path: Path) -> None:
    TaskDir.create(tmp_path / "t", "counter", task="reach-10", config={"goal": 99}).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_step_many, args=(str(tmp_path / "t"), 15)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    events = read_trace(tmp_path / "t" / "trace.jsonl").events
    assert sum(e["kind"] == "step" for e in events) == 30
    assert [e["i"] for e in events if e["kind"] == "step"] == list(range(1, 31))
    assert replay_dir(tmp_path / "t").ok


def test_crash_between_checkpoints_is_recovered_from_the_trace(tmp_path: Path) -> None:
    td = TaskDir.create(tmp_path / "t", "counter", durability="close")
    for _ in range(3):
        td.step("+1")
    td._writer.sync()
    td._lock.release()  # simulate the process dying without close(): no final checkpoint
    with TaskDir.open(tmp_path / "t") as again:
        assert again.world.value == 3
        assert again.status["return"] == pytest.approx(-0.03)
        again.step("+1")
    assert replay_dir(tmp_path / "t").summary() == "OK (4 steps)"


def test_a_torn_tail_is_set_aside_and_acting_continues(tmp_path: Path) -> None:
    TaskDir.create(tmp_path / "t", "counter", durability="close").close()
    with open(tmp_path / "t" / "trace.jsonl", "ab") as f:
        f.write(b'{"v":1,"kind":"step","i":1,"act')
    with pytest.warns(UserWarning, match="torn"), TaskDir.open(tmp_path / "t") as td:
        td.step("+1")
    kept = list((tmp_path / "t").glob("trace.jsonl.torn-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b'{"v":1,"kind":"step"')
    assert replay_dir(tmp_path / "t").ok


def test_a_trace_shorter_than_the_checkpoint_is_refused(tmp_path: Path) -> None:
    with TaskDir.create(tmp_path / "t", "counter") as td:
        td.step("+1")
    trace = tmp_path / "t" / "trace.jsonl"
    trace.write_bytes(trace.read_bytes()[:10])
    with pytest.raises(TaskDirError, match="truncated"):
        TaskDir.open(tmp_path / "t")


def test_summary_reads_files_without_the_world(counter_dir: Callable[..., TaskDir]) -> None:
    td = counter_dir("+1", "+1")
    summary = summarize(td.root).to_json()
    assert summary["steps"] == 2 and summary["observation"]["value"] == 2
    assert summary["return"] == pytest.approx(-0.02)
