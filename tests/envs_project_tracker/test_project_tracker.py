"""Standalone harness for the shipped ``project_tracker`` toolworld environment.

It does not use the toolworld runtime: it builds the database from schema.sql + seed.sql, loads tools.py and
verify.py by file path, and replays each task's reference solution, an empty episode and the task's plausible
wrong ("negative") solution the way the runtime will (one transaction per call, rollback on exception,
``sqlite3.Row`` rows, foreign keys on, read-only verifier connections).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ENV_DIR = Path(__file__).resolve().parents[2] / "src/pworlds/worlds/toolworld/envs/project_tracker"
ALLOWED_IMPORTS = {
    "sqlite3", "json", "datetime", "math", "re", "decimal", "typing", "collections", "itertools", "functools",
    "statistics", "string", "enum", "dataclasses", "__future__",
}  # fmt: skip
FORBIDDEN_NAMES = {
    "exec", "eval", "compile", "open", "__import__", "globals", "locals", "getattr", "setattr", "delattr", "os",
    "sys", "subprocess", "socket", "pathlib", "importlib", "ctypes", "pickle", "threading", "multiprocessing",
    "builtins",
}  # fmt: skip
READ_ACTIONS = {sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"project_tracker_{name}", ENV_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOLS = _load("tools")
VERIFY = _load("verify")
TASKS: list[dict[str, Any]] = yaml.safe_load((ENV_DIR / "tasks.yaml").read_text())["tasks"]
TOOL_FUNCS = {
    name: fn
    for name, fn in vars(TOOLS).items()
    if not name.startswith("_") and inspect.isfunction(fn) and fn.__module__ == TOOLS.__name__
}


def _build_image() -> bytes:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript((ENV_DIR / "schema.sql").read_text())
    conn.executescript((ENV_DIR / "seed.sql").read_text())
    conn.commit()
    image = conn.serialize()
    conn.close()
    return image


IMAGE = _build_image()


def _open(image: bytes = IMAGE) -> sqlite3.Connection:
    """A fresh writable copy of the image, configured the way the runtime configures tool connections."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.deserialize(image)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.row_factory = sqlite3.Row
    return conn


def _readonly(conn: sqlite3.Connection) -> sqlite3.Connection:
    copy = _open(conn.serialize())

    def authorizer(action: int, arg1: Any, arg2: Any, db: Any, trigger: Any) -> int:
        if action in READ_ACTIONS or (action == sqlite3.SQLITE_PRAGMA and arg2 is None):
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    copy.set_authorizer(authorizer)
    return copy


def _call(conn: sqlite3.Connection, name: str, arguments: dict[str, Any]) -> Any:
    """One tool call in its own transaction; re-raise after rolling back."""
    conn.execute("BEGIN")
    try:
        result = TOOL_FUNCS[name](conn, **arguments)
    except Exception:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _verdict(task: dict[str, Any], final: sqlite3.Connection, answer: str | None) -> dict[str, Any]:
    fn = getattr(VERIFY, task.get("verifier") or f"verify_{task['id']}")
    verdict = fn(_readonly(_open()), _readonly(final), answer)
    assert verdict["status"] in ("pass", "fail"), verdict
    return verdict


def _run(calls: list[dict[str, Any]], *, tolerate_errors: bool) -> sqlite3.Connection:
    conn = _open()
    for call in calls:
        try:
            _call(conn, call["name"], call.get("arguments", {}))
        except Exception:
            if not tolerate_errors:
                raise
    return conn


# ---------------------------------------------------------------- the env's shape


def test_env_folder_has_every_file_and_id_matches_folder() -> None:
    for name in ("env.yaml", "schema.sql", "seed.sql", "tools.py", "tasks.yaml", "verify.py"):
        assert (ENV_DIR / name).is_file(), name
    meta = yaml.safe_load((ENV_DIR / "env.yaml").read_text())
    assert meta["id"] == ENV_DIR.name
    assert meta["provenance"]["generator"] == "hand-written"


def test_seed_satisfies_foreign_keys_and_is_realistically_sized() -> None:
    conn = _open()
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert 8 <= len(tables) <= 14
    total = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)
    assert total >= 300
    assert conn.execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0] == "2025-04-10"


def test_seed_is_deterministic_sql() -> None:
    seed = (ENV_DIR / "seed.sql").read_text().lower()
    for forbidden in ("random(", "current_timestamp", "current_date", "datetime('now"):
        assert forbidden not in seed


def test_at_least_thirty_tools_each_typed_and_documented() -> None:
    assert len(TOOL_FUNCS) >= 30
    for name, fn in TOOL_FUNCS.items():
        params = list(inspect.signature(fn).parameters.values())
        assert params and params[0].name == "conn", name
        doc = inspect.getdoc(fn)
        assert doc, f"{name} has no docstring"
        for p in params[1:]:
            assert p.annotation is not inspect.Parameter.empty, f"{name}.{p.name} has no type hint"
            assert f"{p.name}:" in doc, f"{name}.{p.name} is not documented in Args"


@pytest.mark.parametrize("fname", ["tools.py", "verify.py"])
def test_env_code_follows_untrusted_code_rules(fname: str) -> None:
    tree = ast.parse((ENV_DIR / fname).read_text())
    for node in tree.body:
        assert isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.Assign | ast.Expr), node
        if isinstance(node, ast.Assign):
            assert not any(isinstance(n, ast.Call) for n in ast.walk(node.value)), f"line {node.lineno}: call"
        if isinstance(node, ast.FunctionDef):
            assert not node.decorator_list
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= ALLOWED_IMPORTS
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] in ALLOWED_IMPORTS
        elif isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN_NAMES, f"line {node.lineno}: {node.id}"
        elif isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__"), f"line {node.lineno}: .{node.attr}"


def test_exactly_ten_tasks_with_unique_ids_verifiers_and_negatives() -> None:
    assert len(TASKS) == 10
    assert len({t["id"] for t in TASKS}) == 10
    for task in TASKS:
        assert callable(getattr(VERIFY, task.get("verifier") or f"verify_{task['id']}", None)), task["id"]
        assert task["instruction"].strip() and task["solution"] and task.get("negative"), task["id"]
    assert sum(1 for t in TASKS if t.get("answer") is not None) >= 3  # information-seeking tasks


def test_every_solution_call_names_an_existing_tool_with_real_parameters() -> None:
    for task in TASKS:
        for call in task["solution"] + task["negative"]["solution"]:
            assert call["name"] in TOOL_FUNCS, (task["id"], call["name"])
            params = set(inspect.signature(TOOL_FUNCS[call["name"]]).parameters) - {"conn"}
            assert set(call.get("arguments", {})) <= params, (task["id"], call)


# ---------------------------------------------------------------- the three checks per task

TASK_IDS = [t["id"] for t in TASKS]


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_reference_solution_passes(task: dict[str, Any]) -> None:
    final = _run(task["solution"], tolerate_errors=False)
    verdict = _verdict(task, final, task.get("answer"))
    assert verdict["status"] == "pass", verdict


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_doing_nothing_fails(task: dict[str, Any]) -> None:
    verdict = _verdict(task, _open(), None)
    assert verdict["status"] == "fail", verdict


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_plausible_wrong_solution_fails(task: dict[str, Any]) -> None:
    negative = task["negative"]
    final = _run(negative["solution"], tolerate_errors=True)
    verdict = _verdict(task, final, negative.get("answer"))
    assert verdict["status"] == "fail", verdict


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_plausible_wrong_solution_is_made_of_legal_calls(task: dict[str, Any]) -> None:
    """A negative that only fails because a tool refused it would test the tools, not the verifier."""
    _run(task["negative"]["solution"], tolerate_errors=False)


def test_offboarding_may_also_remove_the_leaver_from_teams() -> None:
    task = next(t for t in TASKS if t["id"] == "offboard_marcus_lee")
    calls = [
        *task["solution"][:-1],
        {"name": "remove_team_member", "arguments": {"team": "Web", "user_id": 5}},
        {"name": "remove_team_member", "arguments": {"team": "Mobile", "user_id": 5}},
        task["solution"][-1],
    ]
    assert _verdict(task, _run(calls, tolerate_errors=False), None)["status"] == "pass"


def test_offboarding_to_the_wrong_team_member_fails_and_is_refused() -> None:
    conn = _open()
    with pytest.raises(ValueError, match="not a member of the Mobile team"):
        _call(conn, "assign_issue", {"issue_key": "MOB-19", "assignee_id": 4, "changed_by": 1})


@pytest.mark.parametrize("task", [t for t in TASKS if t.get("answer") is not None], ids=lambda t: t["id"])
@pytest.mark.parametrize("answer", ["", "I could not find it", "2025", "-1", "WEB-99999", "\u2603" * 500])
def test_information_verifiers_reject_garbage_answers(task: dict[str, Any], answer: str) -> None:
    final = _run(task["solution"], tolerate_errors=False)
    assert _verdict(task, final, answer)["status"] == "fail"


def test_information_answers_accept_other_formats() -> None:
    by_id = {t["id"]: t for t in TASKS}
    final = _open()
    assert _verdict(by_id["platform_march_hours"], final, "45h 15m")["status"] == "pass"
    assert _verdict(by_id["platform_march_hours"], final, "2715 minutes")["status"] == "pass"
    assert _verdict(by_id["platform_march_hours"], final, "about 45.3 h")["status"] == "pass"
    assert _verdict(by_id["platform_march_hours"], final, "45 hours")["status"] == "fail"
    assert _verdict(by_id["overdue_web_issues"], final, "web-29 and WEB-26")["status"] == "pass"
    assert _verdict(by_id["mobile_sprint_points"], final, "Sprint 9 has 10 points left")["status"] == "pass"


def test_information_task_fails_when_the_database_was_changed() -> None:
    task = next(t for t in TASKS if t["id"] == "overdue_web_issues")
    final = _run(
        [{"name": "add_label", "arguments": {"issue_key": "WEB-26", "label": "regression"}}],
        tolerate_errors=False,
    )
    assert _verdict(task, final, task["answer"])["status"] == "fail"


# ---------------------------------------------------------------- business rules roll back cleanly

RULE_VIOLATIONS = [
    ("transition_issue", {"issue_key": "WEB-24", "new_status": "done", "changed_by": 1}, "cannot go from"),
    (
        "transition_issue",
        {"issue_key": "MOB-24", "new_status": "todo", "changed_by": 6},
        None,
    ),  # legal; see below
    ("deactivate_user", {"user_id": 5}, "still has open issues"),
    ("close_milestone", {"milestone_id": 2}, "still has open issues"),
    ("assign_issue", {"issue_key": "PAY-13", "assignee_id": 4, "changed_by": 15}, "not a member"),
    ("assign_issue", {"issue_key": "WEB-24", "assignee_id": 24, "changed_by": 1}, "deactivated"),
    ("start_sprint", {"sprint_id": 4}, "still active"),
    ("close_sprint", {"sprint_id": 3, "carry_over_to_sprint_id": 8}, "same project"),
    ("log_time", {"issue_key": "PAY-14", "user_id": 11, "minutes": 60, "log_date": "2025-03-28"}, "closed"),
    ("log_time", {"issue_key": "PAY-14", "user_id": 11, "minutes": 60, "log_date": "2025-04-11"}, "future"),
    (
        "log_time",
        {"issue_key": "API-21", "user_id": 12, "minutes": 30, "log_date": "2025-04-09"},
        "cancelled",
    ),
    ("delete_time_log", {"time_log_id": 1}, "closed timesheet"),
    ("delete_issue", {"issue_key": "WEB-23"}, "only backlog or cancelled"),
    ("move_issue_to_sprint", {"issue_key": "WEB-7", "sprint_id": 4, "changed_by": 1}, "closed issues"),
    (
        "create_issue",
        {"project_key": "LEG", "title": "x", "type": "bug", "priority": "low", "reporter_id": 1},
        "archived",
    ),
    ("update_issue", {"issue_key": "WEB-24", "changed_by": 1, "story_points": 4}, "story points"),
    ("add_label", {"issue_key": "API-16", "label": "performance"}, "create_label"),
    ("create_label", {"project_key": "API", "name": "perf", "color": "orange"}, "color"),
]
RULE_VIOLATIONS = [r for r in RULE_VIOLATIONS if r[2] is not None]


@pytest.mark.parametrize(
    ("tool", "arguments", "fragment"), RULE_VIOLATIONS, ids=[r[0] for r in RULE_VIOLATIONS]
)
def test_business_rule_violation_raises_and_leaves_db_unchanged(
    tool: str, arguments: dict[str, Any], fragment: str
) -> None:
    conn = _open()
    before = conn.serialize()
    with pytest.raises(ValueError, match=fragment):
        _call(conn, tool, arguments)
    assert conn.serialize() == before


def test_starting_work_requires_an_assignee() -> None:
    conn = _open()
    _call(conn, "transition_issue", {"issue_key": "MOB-24", "new_status": "todo", "changed_by": 6})
    before = conn.serialize()
    with pytest.raises(ValueError, match="no assignee"):
        _call(conn, "transition_issue", {"issue_key": "MOB-24", "new_status": "in_progress", "changed_by": 6})
    assert conn.serialize() == before


def test_team_lead_cannot_be_deactivated_even_without_open_issues() -> None:
    conn = _open()
    for issue in _call(conn, "search_issues", {"assignee_id": 6, "open_only": True})["issues"]:
        _call(conn, "assign_issue", {"issue_key": issue["key"], "assignee_id": 7, "changed_by": 6})
    before = conn.serialize()
    with pytest.raises(ValueError, match="leads the Mobile team"):
        _call(conn, "deactivate_user", {"user_id": 6})
    assert conn.serialize() == before


def test_failed_operation_rolls_back_its_partial_writes() -> None:
    """create_user inserts the user before resolving the team; an unknown team must leave no user behind."""
    conn = _open()
    before = conn.serialize()
    with pytest.raises(ValueError, match="no team named"):
        _call(conn, "create_user", {"name": "Ada Park", "email": "ada.park@lumen.example", "title": "Engineer",
                                    "team": "Growth"})  # fmt: skip
    assert conn.serialize() == before
    assert _call(conn, "search_users", {"name": "Ada"}) == []


def test_bad_input_is_rejected_with_a_clear_message() -> None:
    conn = _open()
    with pytest.raises(ValueError, match="issue keys look like"):
        _call(conn, "get_issue", {"issue_key": "'; DROP TABLE issues; --"})
    with pytest.raises(ValueError, match="unknown status"):
        _call(conn, "search_issues", {"status": ["finished"]})
    with pytest.raises(ValueError, match="ISO date"):
        _call(conn, "search_issues", {"created_from": "10/04/2025"})
    with pytest.raises(ValueError, match="no team named"):
        _call(conn, "get_team", {"team": "Growth"})
    assert conn.execute("SELECT count(*) FROM issues").fetchone()[0] > 100


def test_creating_an_issue_numbers_it_and_records_history() -> None:
    conn = _open()
    issue = _call(
        conn,
        "create_issue",
        {"project_key": "PAY", "title": "Apple Pay refunds stuck", "type": "bug", "priority": "high",
         "reporter_id": 26, "assignee_id": 16, "sprint_id": 15, "story_points": 3},
    )  # fmt: skip
    assert issue["key"] == "PAY-16" and issue["status"] == "todo" and issue["assignee"] == "Ben Carter"
    history = _call(conn, "get_issue_history", {"issue_key": "PAY-16"})
    assert history[0]["field"] == "created"
    second = _call(conn, "create_issue", {"project_key": "pay", "title": "t", "type": "task", "priority": "low",
                                          "reporter_id": 26})  # fmt: skip
    assert second["key"] == "PAY-17"


def test_search_issues_filters_sort_and_paginate() -> None:
    conn = _open()
    page = _call(conn, "search_issues", {"project_key": "MOB", "type": "bug", "unassigned": True,
                                         "open_only": True, "sort": "priority", "limit": 1})  # fmt: skip
    assert page["total"] >= 3 and [i["key"] for i in page["issues"]] == ["MOB-23"]
    nxt = _call(conn, "search_issues", {"project_key": "MOB", "type": "bug", "unassigned": True,
                                        "open_only": True, "sort": "priority", "limit": 1, "offset": 1})  # fmt: skip
    assert nxt["issues"][0]["key"] == "MOB-24"
    by_label = _call(conn, "search_issues", {"label": "customer-reported", "limit": 200})
    assert all("customer-reported" in i["labels"] for i in by_label["issues"])


# ---------------------------------------------------------------- every tool works on valid input

VALID_CALLS: dict[str, dict[str, Any]] = {
    "get_today": {},
    "search_users": {"name": "an", "team": "Payments"},
    "get_user": {"user_id": 11},
    "create_user": {"name": "Ada Park", "email": "ada.park@lumen.example", "title": "Engineer", "team": "Data"},
    "deactivate_user": {"user_id": 22},  # after handing over Samuel Osei's open issues (see the test)
    "list_teams": {},
    "get_team": {"team": "platform"},
    "add_team_member": {"team": "Data", "user_id": 13},
    "remove_team_member": {"team": "Web", "user_id": 23},
    "list_projects": {"team": "Platform", "status": "active"},
    "get_project": {"project_key": "web"},
    "list_sprints": {"project_key": "DATA", "status": "closed"},
    "get_sprint": {"sprint_id": 15},
    "create_sprint": {"project_key": "DATA", "name": "Sprint 8", "start_date": "2025-04-28", "end_date": "2025-05-09"},
    "start_sprint": {"sprint_id": 12},  # after closing API Sprint 23 (see the test)
    "close_sprint": {"sprint_id": 19},
    "search_issues": {"status": ["todo", "in_progress"], "priority": "high", "created_from": "2025-01-01"},
    "get_issue": {"issue_key": "API-18"},
    "create_issue": {"project_key": "OPS", "title": "Rotate deploy keys", "type": "task", "priority": "medium",
                     "reporter_id": 10, "milestone_id": 9, "due_date": "2025-04-30"},
    "update_issue": {"issue_key": "OPS-9", "changed_by": 10, "priority": "high", "story_points": 2},
    "transition_issue": {"issue_key": "OPS-9", "new_status": "in_progress", "changed_by": 14},
    "assign_issue": {"issue_key": "API-17", "assignee_id": 12, "changed_by": 10},
    "move_issue_to_sprint": {"issue_key": "API-17", "sprint_id": 12, "changed_by": 10},
    "set_issue_milestone": {"issue_key": "API-17", "milestone_id": 6, "changed_by": 10},
    "delete_issue": {"issue_key": "API-20"},
    "get_issue_history": {"issue_key": "PAY-13"},
    "list_labels": {"project_key": "PAY"},
    "create_label": {"project_key": "PAY", "name": "sepa", "color": "#0D9488"},
    "add_label": {"issue_key": "PAY-13", "label": "refunds"},
    "remove_label": {"issue_key": "PAY-13", "label": "refunds"},
    "list_comments": {"issue_key": "WEB-2"},
    "add_comment": {"issue_key": "WEB-2", "author_id": 2, "body": "Looks good to me."},
    "log_time": {"issue_key": "DATA-1", "user_id": 20, "minutes": 45, "log_date": "2025-04-10"},
    "list_time_logs": {"project_key": "PAY", "date_from": "2025-04-01", "limit": 5},
    "delete_time_log": {"time_log_id": 147},
    "time_report": {"group_by": "user", "date_from": "2025-04-01", "project_key": "API"},
    "list_milestones": {"project_key": "MOB", "status": "open"},
    "create_milestone": {"project_key": "MOB", "name": "3.9 release", "due_date": "2025-05-22"},
    "close_milestone": {"milestone_id": 9},  # after emptying it of open issues (see the test)
}  # fmt: skip


def test_valid_calls_cover_every_tool() -> None:
    assert set(VALID_CALLS) == set(TOOL_FUNCS)


@pytest.mark.parametrize("tool", sorted(VALID_CALLS))
def test_every_tool_succeeds_on_valid_input_and_returns_json(tool: str) -> None:
    conn = _open()
    if tool == "start_sprint":
        _call(conn, "close_sprint", {"sprint_id": 11, "carry_over_to_sprint_id": 12})
    if tool == "deactivate_user":
        for issue in _call(conn, "search_issues", {"assignee_id": 22, "open_only": True})["issues"]:
            _call(conn, "assign_issue", {"issue_key": issue["key"], "assignee_id": 20, "changed_by": 19})
    if tool == "close_milestone":
        for issue in _call(conn, "search_issues", {"milestone_id": 9, "open_only": True})["issues"]:
            _call(
                conn,
                "set_issue_milestone",
                {"issue_key": issue["key"], "milestone_id": None, "changed_by": 10},
            )
    if tool == "remove_label":
        _call(conn, "add_label", {"issue_key": "PAY-13", "label": "refunds"})
    result = _call(conn, tool, VALID_CALLS[tool])
    json.dumps(result)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
