"""A more faithful AWM fixture: two scenarios in one set of JSONL files, ORM apps with relationships,
path/query/body parameters, PATCH/PUT/DELETE, HTTPException 404/422, sqlite3 verifiers on DB files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from psignal.replay import replay_dir
from psignal.taskdir import TaskDir
from pworlds.worlds.toolworld import ToolWorld
from pworlds.worlds.toolworld.awm import SPEC_FILE, import_awm
from pworlds.worlds.toolworld.validate import check_env

from .conftest import FIXTURES

AWM_TWO = FIXTURES / "awm_two"

# warehouse_inventory has plain-text tasks (as published); its reference solutions live here
WAREHOUSE_SOLUTIONS: dict[str, tuple[list[dict[str, Any]], str | None]] = {
    "task_0": (
        [
            {
                "name": "add_product",
                "arguments": {
                    "sku": "BOLT-M8",
                    "name": "M8 bolt",
                    "supplier": "Nordfast",
                    "quantity": 500,
                    "tags": ["metric"],
                },
            }
        ],
        None,
    ),
    "task_1": ([{"name": "set_stock", "arguments": {"sku": "NUT-M6", "quantity": 120}}], None),
    "task_2": (
        [
            {"name": "delete_product", "arguments": {"sku": "WASHER-10"}},
            {"name": "delete_product", "arguments": {"sku": "GLUE-1"}},
        ],
        None,
    ),
    "task_3": ([], "180 units are free"),
}


@pytest.fixture(scope="module")
def envs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("awm_two")
    return {p.name: p for p in import_awm(AWM_TWO, out)}


def _run(env: Path, task: str, actions: list[dict[str, Any]], answer: str | None) -> Any:
    world = ToolWorld({"env": str(env)})
    try:
        world.reset(task=task)
        for action in actions:
            step = world.step(action)
            assert step.valid, (action, step.info.get("error"))
        return world.step({"name": "finish", "arguments": {"answer": answer}})
    finally:
        world.close()


def test_both_scenarios_import_from_one_set_of_files(envs: dict[str, Path]) -> None:
    assert sorted(envs) == ["clinic_appointments", "warehouse_inventory"]
    clinic_spec = json.loads((envs["clinic_appointments"] / SPEC_FILE).read_text())
    assert "source" not in clinic_spec  # from its gen_spec row
    assert json.loads((envs["warehouse_inventory"] / SPEC_FILE).read_text())["source"] == "openapi"
    tasks = yaml.safe_load((envs["clinic_appointments"] / "tasks.yaml").read_text())["tasks"]
    assert tasks[0]["solution"][0]["name"] == "book_appointment"  # dict-form task entries keep solutions
    assert tasks[3]["answer"] == "Dr. Amara Osei"


@pytest.mark.parametrize("name, tools", [("clinic_appointments", 6), ("warehouse_inventory", 5)])
def test_env_check_passes(envs: dict[str, Path], name: str, tools: int) -> None:
    # for the clinic this runs each reference solution (must pass), negative (must fail) and doing nothing
    report = check_env(envs[name])
    assert report.ok, report.problems
    assert (report.tools, report.tasks) == (tools, 4)


@pytest.mark.parametrize("task", sorted(WAREHOUSE_SOLUTIONS))
def test_warehouse_reference_solutions_pass_and_doing_nothing_fails(envs: dict[str, Path], task: str) -> None:
    actions, answer = WAREHOUSE_SOLUTIONS[task]
    env = envs["warehouse_inventory"]
    passed = _run(env, task, actions, answer)
    assert passed.reward == 1.0, passed.info["verdict"]
    assert passed.info["verdict"]["evidence"]["awm"] == {"result": "complete"}
    nothing = _run(env, task, [], None)
    assert nothing.reward == 0.0 and nothing.info["verdict"]["status"] == "fail"


def test_relationships_and_query_filters_go_through_the_orm(envs: dict[str, Path]) -> None:
    world = ToolWorld({"env": str(envs["clinic_appointments"])})
    world.reset(task="task_2")
    doctors = world.step(
        {"name": "list_doctors", "arguments": {"specialty": "cardiology", "min_rating": 4.6}}
    )
    assert [d["name"] for d in doctors.observation["result"]] == ["Dr. Amara Osei"]
    scheduled = world.step(
        {"name": "patient_appointments", "arguments": {"patient_id": 2, "status": "scheduled"}}
    ).observation["result"]
    assert [(a["id"], a["doctor"]) for a in scheduled] == [(1, "Dr. Ines Varga"), (3, "Dr. Lukas Brandt")]
    moved = world.step(
        {"name": "update_appointment", "arguments": {"appointment_id": 3, "status": "no_show"}}
    )
    assert moved.info["db_diff"]["appointments"]["updated"][0]["after"]["status"] == "no_show"
    deleted = world.step({"name": "cancel_appointment", "arguments": {"appointment_id": 1}})
    assert deleted.observation["result"] == {"deleted": 1}
    assert [r["id"] for r in deleted.info["db_diff"]["appointments"]["deleted"]] == [1]
    world.close()


def test_the_warehouse_enum_filter_and_list_body_are_typed(envs: dict[str, Path]) -> None:
    world = ToolWorld({"env": str(envs["warehouse_inventory"])})
    world.reset(task="task_0")
    empty = world.step({"name": "list_products", "arguments": {"level": "empty", "supplier": "Acme Parts"}})
    assert [p["sku"] for p in empty.observation["result"]] == ["GLUE-1", "WASHER-10"]
    assert not world.step({"name": "list_products", "arguments": {"level": "scarce"}}).valid
    as_text = {"sku": "X", "name": "x", "supplier": "Nordfast", "tags": "metric"}  # tags is a list of strings
    assert not world.step({"name": "add_product", "arguments": as_text}).valid
    world.close()


HTTP_ERRORS = [
    # (env, action, expected text) — each reaches the app and comes back as HTTP status ≥ 400
    (
        "clinic_appointments",
        {
            "name": "book_appointment",
            "arguments": {"patient_id": 1, "doctor_id": 1, "slot": "2026-03-02T09:00"},
        },
        "HTTP 422: the doctor already has an appointment in that slot",
    ),
    (
        "clinic_appointments",
        {
            "name": "book_appointment",
            "arguments": {"patient_id": 9, "doctor_id": 1, "slot": "2026-03-09T09:00"},
        },
        "HTTP 404: patient 9 not found",
    ),
    (
        "clinic_appointments",
        {"name": "patient_appointments", "arguments": {"patient_id": 99}},
        "HTTP 404: patient 99 not found",
    ),
    (
        "clinic_appointments",  # gen_spec says 'string'; FastAPI's own validation answers 422
        {"name": "update_appointment", "arguments": {"appointment_id": 2, "status": "cancelled"}},
        "HTTP 422: status: Input should be",
    ),
    ("clinic_appointments", {"name": "cancel_appointment", "arguments": {"appointment_id": 42}}, "HTTP 404"),
    (
        "warehouse_inventory",
        {"name": "set_stock", "arguments": {"sku": "SCREW-4", "quantity": 10}},
        "HTTP 422: SCREW-4 has 20 units reserved",
    ),
    (
        "warehouse_inventory",
        {"name": "get_product", "arguments": {"sku": "NOPE"}},
        "HTTP 404: no product NOPE",
    ),
    ("warehouse_inventory", {"name": "delete_product", "arguments": {"sku": "SCREW-4"}}, "HTTP 409"),
    (
        "warehouse_inventory",
        {"name": "add_product", "arguments": {"sku": "NUT-M6", "name": "again", "supplier": "Nordfast"}},
        "HTTP 409: product NUT-M6 exists",
    ),
]


@pytest.mark.parametrize("env_name, action, expected", HTTP_ERRORS)
def test_http_errors_are_invalid_steps_and_leave_the_db_unchanged(
    envs: dict[str, Path], env_name: str, action: dict[str, Any], expected: str
) -> None:
    world = ToolWorld({"env": str(envs[env_name])})
    world.reset(task="task_0")
    before = world.state()["world"]["db_hash"]
    result = world.step(action)
    assert not result.valid and not result.terminated
    assert result.info["error"].startswith(expected), result.info["error"]
    assert "\n" not in result.info["error"]
    assert result.info["tool"] == action["name"] and result.info["db_diff"] == {}
    assert world.state()["world"]["db_hash"] == before
    assert world.calls == []  # an invalid call is not part of the episode's history
    world.close()


def test_schema_limits_are_checked_before_the_call(envs: dict[str, Path]) -> None:
    world = ToolWorld({"env": str(envs["warehouse_inventory"])})
    world.reset(task="task_1")
    result = world.step({"name": "set_stock", "arguments": {"sku": "NUT-M6", "quantity": -5}})
    assert not result.valid and "greater than or equal to 0" in result.info["error"]
    world.close()


REPLAYS = [
    ("clinic_appointments", "task_2", {"name": "cancel_appointment", "arguments": {"appointment_id": 77}}),
    ("warehouse_inventory", "task_2", {"name": "delete_product", "arguments": {"sku": "NOPE"}}),
]


@pytest.mark.parametrize("env_name, task, failing", REPLAYS)
def test_a_task_folder_with_a_failed_call_replays(
    envs: dict[str, Path], tmp_path: Path, env_name: str, task: str, failing: dict[str, Any]
) -> None:
    folder = tmp_path / "task"
    with TaskDir.create(folder, "toolworld", task=task, config={"env": str(envs[env_name])}) as td:
        actions = td.world.reference_solution()
        if actions is None:  # plain-text AWM task: the solution is kept in this test
            calls, answer = WAREHOUSE_SOLUTIONS[task]
            actions = [*calls, {"name": "finish", "arguments": {"answer": answer}}]
        assert not td.step(failing).valid
        for action in actions:
            result = td.step(action)
        assert result.terminated and result.reward == 1.0
    report = replay_dir(folder)
    assert report.ok, report
