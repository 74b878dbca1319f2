"""Exports: SFT loads in Hugging Face datasets and renders through a tool-aware chat template."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from psignal.errors import ExportError, UsageError
from psignal.export import export
from psignal.taskdir import TaskDir

# A tool-aware template in the style of Hugging Face chat templates (tools listed, calls and results tagged).
TOOL_TEMPLATE = """
{%- if tools %}<|tools|>{% for t in tools %}{{ t.function.name }}: {{ t.function.description }} {{ t.function.parameters | tojson }}
{% endfor %}{% endif -%}
{%- for m in messages -%}
{%- if m.role == 'assistant' and m.tool_calls -%}
<|assistant|>{% for c in m.tool_calls %}<call>{{ c.function.name }} {{ c.function.arguments }}</call>{% endfor %}
{% elif m.role == 'tool' -%}
<|tool|>{{ m.content }}
{% else -%}
<|{{ m.role }}|>{{ m.content }}
{% endif -%}
{%- endfor -%}
"""


def _episode_dirs(counter_dir: Callable[..., TaskDir]) -> list[Path]:
    a = counter_dir("-1", *["+1"] * 5, name="a")
    b = counter_dir("+1", "+1", name="b", task="reach-10")
    b.reset(seed=1)
    b.step("+1")
    for td in (a, b):
        td.close()
    return [a.root, b.root]


def test_sft_has_openai_tool_calls_and_a_tools_list(
    counter_dir: Callable[..., TaskDir], tmp_path: Path
) -> None:
    summary = export(_episode_dirs(counter_dir), "sft", tmp_path / "sft.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert summary.episodes == len(rows) == 3 and summary.successes == 1
    first = rows[0]
    roles = [m["role"] for m in first["messages"]]
    assert roles[:2] == ["system", "user"] and roles[2:4] == ["assistant", "tool"]
    call = first["messages"][2]["tool_calls"][0]
    assert call["function"] == {"name": "-1", "arguments": "{}"}
    assert first["messages"][3]["tool_call_id"] == call["id"]
    assert {t["function"]["name"] for t in first["tools"]} == {"+1", "-1", "reset"}
    assert first["metadata"]["success"] is True


def test_sft_only_valid_drops_rejected_actions(counter_dir: Callable[..., TaskDir], tmp_path: Path) -> None:
    export(_episode_dirs(counter_dir)[:1], "sft", tmp_path / "sft.jsonl", only_valid=True)
    row = json.loads((tmp_path / "sft.jsonl").read_text().splitlines()[0])
    assert all("error" not in m["content"] for m in row["messages"] if m["role"] == "tool")


def test_sft_loads_with_datasets_and_renders_with_a_chat_template(
    counter_dir: Callable[..., TaskDir], tmp_path: Path
) -> None:
    datasets = pytest.importorskip("datasets")
    jinja2 = pytest.importorskip("jinja2")
    export(_episode_dirs(counter_dir), "sft", tmp_path / "sft.jsonl")
    ds = datasets.load_dataset(
        "json", data_files=str(tmp_path / "sft.jsonl"), split="train", cache_dir=str(tmp_path / "cache")
    )
    original = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert len(ds) == 3
    assert ds[0]["tools"] == original[0]["tools"]
    template = jinja2.Environment().from_string(TOOL_TEMPLATE)
    rendered = template.render(messages=ds[0]["messages"], tools=ds[0]["tools"])
    assert "<call>-1 {}</call>" in rendered
    assert "<|tool|>error: -1 would leave the range" in rendered
    assert '+1: Add one to the counter. {"properties": {}, "type": "object"}' in rendered


def test_rl_rows_keep_terminated_and_truncated_apart(tmp_path: Path) -> None:
    with TaskDir.create(tmp_path / "t", "counter", config={"max_steps": 2}) as td:
        td.step("+1")
        td.step("+1")
    export([tmp_path / "t"], "rl", tmp_path / "rl.jsonl")
    row = json.loads((tmp_path / "rl.jsonl").read_text())
    assert row["steps"][-1]["truncated"] is True and row["steps"][-1]["terminated"] is False
    assert row["return"] == pytest.approx(-0.02) and row["success"] is False
    assert row["prompt"].startswith("The counter is at 0")


def test_parquet_is_readable_with_pyarrow(counter_dir: Callable[..., TaskDir], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    export(_episode_dirs(counter_dir), "parquet", tmp_path / "t.parquet")
    table = pq.read_table(tmp_path / "t.parquet")
    assert table.num_rows == 3
    assert table.column("rewards").to_pylist()[0][-1] == 1.0
    assert json.loads(table.column("actions").to_pylist()[0][0]) == {"name": "-1", "arguments": {}}


def test_export_of_a_folder_of_folders_finds_every_trace(
    counter_dir: Callable[..., TaskDir], tmp_path: Path
) -> None:
    dirs = _episode_dirs(counter_dir)
    summary = export([dirs[0].parent], "rl", tmp_path / "rl.jsonl")
    assert summary.episodes == 3


def test_unknown_format_and_missing_source_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="did you mean 'sft'"):
        export([tmp_path], "sfx", tmp_path / "x")
    with pytest.raises(ExportError, match="no such task folder"):
        export([tmp_path / "missing"], "sft", tmp_path / "x.jsonl")
    assert not (tmp_path / "x.jsonl").exists()
