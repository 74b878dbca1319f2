"""Trace reading: tolerant of a torn last line only; everything else is an error naming the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psignal.errors import TraceError, UsageError
from psignal.trace import Durability, encode_event, read_trace

START = {"v": 1, "kind": "start", "world": "counter", "task": "reach-5", "seed": 0}
STEP = {"v": 1, "kind": "step", "i": 1}


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_torn_last_line_is_dropped_with_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.jsonl", json.dumps(START) + "\n", json.dumps(STEP) + "\n", '{"v": 1, "ki')
    with pytest.warns(UserWarning, match="line 3 is torn"):
        read = read_trace(path)
    assert [e["kind"] for e in read.events] == ["start", "step"]
    assert read.torn_line == 3


def test_a_bad_line_in_the_middle_is_an_error_with_its_number(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.jsonl", json.dumps(START) + "\n", "not json\n", json.dumps(STEP) + "\n")
    with pytest.raises(TraceError, match="line 2"):
        read_trace(path)


def test_a_complete_but_invalid_last_line_is_an_error_not_a_tear(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.jsonl", json.dumps(START) + "\n", "garbage\n")
    with pytest.raises(TraceError, match="line 2"):
        read_trace(path)


def test_unknown_version_and_kind_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="version"):
        read_trace(_write(tmp_path / "a.jsonl", json.dumps({**START, "v": 9}) + "\n"))
    with pytest.raises(TraceError, match="not a trace event"):
        read_trace(_write(tmp_path / "b.jsonl", json.dumps({**START, "kind": "teleport"}) + "\n"))


def test_a_trace_must_begin_with_start(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="begins with 'start'"):
        read_trace(_write(tmp_path / "t.jsonl", json.dumps(STEP) + "\n"))


def test_missing_trace_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="no trace file"):
        read_trace(tmp_path / "missing.jsonl")


@pytest.mark.parametrize(("text", "every"), [("step", 1), ("close", None), ("every:50", 50), ("7", 7)])
def test_durability_settings_parse(text: str, every: int | None) -> None:
    assert Durability.parse(text).every == every


@pytest.mark.parametrize("text", ["sometimes", "every:0", "every:-1"])
def test_bad_durability_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="durability"):
        Durability.parse(text)


FINITE_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(FINITE_JSON)
def test_trace_lines_are_one_compact_json_line_that_reads_back_equal(value: object) -> None:
    event = {"v": 1, "kind": "step", "observation": value}
    line = encode_event(event)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == event
    assert encode_event(json.loads(line)) == line  # same event, same bytes


def test_values_orjson_refuses_take_the_stdlib_encoder() -> None:
    """Integers beyond 64 bits and non-string keys still make a line (json.dumps' form), never an error."""
    for value in (2**80, {1: "a", 2: "b"}, [-(2**70)]):
        event = {"v": 1, "kind": "step", "info": value}
        line = encode_event(event)
        assert line == (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def test_a_trace_with_a_huge_integer_reads_through_the_careful_parser(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    start = {"v": 1, "kind": "start", "world": "w", "state_hash": "h"}
    step = {"v": 1, "kind": "step", "i": 1, "info": {"n": 2**80}}
    path.write_bytes(encode_event(start) + encode_event(step))
    assert read_trace(path).events == [start, step]
