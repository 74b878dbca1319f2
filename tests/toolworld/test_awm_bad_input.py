"""Broken AWM sources: each import fails with one line naming the source file and scenario, and OUT is
left exactly as it was (scenarios are staged and checked before any folder is moved into place)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pworlds.worlds.toolworld.awm import AWMImportError, import_awm

from .conftest import FIXTURES

AWM_TWO = FIXTURES / "awm_two"
Edit = Callable[[Path], None]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _set_code(scenario: str, code: str) -> Edit:
    def edit(src: Path) -> None:
        rows = _rows(src / "gen_envs.jsonl")
        for row in rows:
            if row["scenario"] == scenario:
                row["full_code"] = code
        _write_rows(src / "gen_envs.jsonl", rows)

    return edit


def _set_verifier(scenario: str, task_idx: int, code: str) -> Edit:
    def edit(src: Path) -> None:
        rows = _rows(src / "gen_verifier.pure_code.jsonl")
        for row in rows:
            if (row["scenario"], row["task_idx"]) == (scenario, task_idx):
                row["verification"]["code"] = code
        _write_rows(src / "gen_verifier.pure_code.jsonl", rows)

    return edit


def _replace_line(fname: str, lineno: int, text: str) -> Edit:
    def edit(src: Path) -> None:
        lines = (src / fname).read_text().splitlines()
        lines[lineno - 1] = text
        (src / fname).write_text("\n".join(lines) + "\n")

    return edit


def _warehouse_app(src: Path) -> str:
    return next(
        r["full_code"] for r in _rows(src / "gen_envs.jsonl") if r["scenario"] == "warehouse_inventory"
    )


CASES: list[tuple[str, Edit, str]] = [
    (
        "app does not import",
        _set_code(
            "warehouse_inventory",
            "import fastapi_no_such_plugin\nfrom fastapi import FastAPI\napp = FastAPI()\n",
        ),
        r"gen_envs\.jsonl: scenario 'warehouse_inventory': the app does not load: ModuleNotFoundError: "
        r"No module named 'fastapi_no_such_plugin'$",
    ),
    (
        "app has a syntax error",
        _set_code("clinic_appointments", "from fastapi import FastAPI\napp = FastAPI(\n"),
        r"gen_envs\.jsonl: scenario 'clinic_appointments': the app does not load: SyntaxError",
    ),
    (
        "app without a FastAPI instance",
        _set_code(
            "warehouse_inventory", "from fastapi import APIRouter\nrouter = APIRouter()\napp = router\n"
        ),
        r"scenario 'warehouse_inventory': the app does not load: ValueError: .*defines no FastAPI instance",
    ),
    (
        "verifier raises",
        _set_verifier(
            "clinic_appointments",
            1,
            "def verify_task_completion(initial_db_path, final_db_path, final_answer=None):\n"
            "    raise RuntimeError('cannot read\\nthe database')\n",
        ),
        r"gen_verifier\.pure_code\.jsonl: scenario 'clinic_appointments': task_idx 1: the verifier fails on the "
        r"untouched database: verify_task_1 raised RuntimeError: cannot read the database \(fix the row, or "
        r"import with --no-check\)$",
    ),
    (
        "verifier without verify_task_completion",
        _set_verifier(
            "warehouse_inventory", 3, "def verify(initial_db_path, final_db_path):\n    return {}\n"
        ),
        r"gen_verifier\.pure_code\.jsonl: scenario 'warehouse_inventory': task_idx 3: the verifier does not load: "
        r"ValueError: .*defines no verify_task_completion",
    ),
    (
        "malformed JSONL line",
        _replace_line("gen_db.jsonl", 2, '{"scenario": "warehouse_inventory", "db_schema": '),
        r"gen_db\.jsonl:2: not JSON",
    ),
    (
        "JSONL line that is not an object",
        _replace_line("gen_sample.jsonl", 1, '["clinic_appointments"]'),
        r"gen_sample\.jsonl:1: expected a JSON object, got list",
    ),
    (
        "tasks that are not a list",
        _replace_line(
            "gen_tasks.jsonl", 2, json.dumps({"scenario": "warehouse_inventory", "tasks": "count"})
        ),
        r"gen_tasks\.jsonl: scenario 'warehouse_inventory': 'tasks' must be a list",
    ),
    (
        "a task entry pworlds cannot read",
        _replace_line(
            "gen_tasks.jsonl",
            2,
            json.dumps({"scenario": "warehouse_inventory", "tasks": [{"task": "x", "solution": 3}]}),
        ),
        r"gen_tasks\.jsonl: scenario 'warehouse_inventory': task 0: solution: ",
    ),
    (
        "seed rows that break the schema",
        _replace_line(
            "gen_sample.jsonl",
            2,
            json.dumps(
                {
                    "scenario": "warehouse_inventory",
                    "sample_data": {"tables": [{"insert_statements": ["INSERT INTO nowhere VALUES (1)"]}]},
                }
            ),
        ),
        r"gen_sample\.jsonl: scenario 'warehouse_inventory': OperationalError: no such table: nowhere",
    ),
]


@pytest.mark.parametrize("label, edit, message", CASES, ids=[c[0] for c in CASES])
def test_broken_source_fails_in_one_line_and_writes_nothing(
    tmp_path: Path, label: str, edit: Edit, message: str
) -> None:
    src = tmp_path / "src"
    shutil.copytree(AWM_TWO, src)
    edit(src)
    out = tmp_path / "out"
    (out / "clinic_appointments").mkdir(parents=True)
    (out / "clinic_appointments" / "notes.txt").write_text("an earlier import, kept on failure")
    with pytest.raises(AWMImportError) as caught:
        import_awm(src, out)
    text = str(caught.value)
    assert "\n" not in text
    assert caught.value.exit_code == 2
    assert re.search(message, text), text
    assert sorted(p.name for p in out.iterdir()) == ["clinic_appointments"]  # no env, no staging folder
    assert [p.name for p in (out / "clinic_appointments").iterdir()] == ["notes.txt"]


def test_a_successful_import_replaces_an_earlier_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "clinic_appointments").mkdir(parents=True)
    (out / "clinic_appointments" / "stale.txt").write_text("old")
    written = import_awm(AWM_TWO, out, scenarios=["clinic_appointments"], check=False)
    assert written == [out / "clinic_appointments"]
    assert not (out / "clinic_appointments" / "stale.txt").exists()
    assert sorted(p.name for p in out.iterdir()) == ["clinic_appointments"]


def test_no_check_still_derives_tools_and_still_rejects_an_app_that_does_not_load(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(AWM_TWO, src)
    assert "FastAPI" in _warehouse_app(src)
    _set_code("warehouse_inventory", "import sys\nsys.exit(3)\n")(src)
    # the clinic has a gen_spec row: --no-check writes it without loading its app
    assert import_awm(src, tmp_path / "a", scenarios=["clinic_appointments"], check=False)
    with pytest.raises(
        AWMImportError,
        match=r"'warehouse_inventory': the app does not load: RuntimeError: .* called exit\(3\)",
    ):
        import_awm(src, tmp_path / "b", scenarios=["warehouse_inventory"], check=False)


def test_cli_reports_a_broken_source_in_one_line(pworlds_exe: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(AWM_TWO, src)
    _replace_line("gen_envs.jsonl", 1, "{oops")(src)
    done = subprocess.run(
        [pworlds_exe, "import", "awm", str(src), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "unguarded" not in line]
    assert len(errors) == 1 and "gen_envs.jsonl:1: not JSON" in errors[0], done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
