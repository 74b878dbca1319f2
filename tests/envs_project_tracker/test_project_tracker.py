"""Env-specific checks for the shipped ``project_tracker`` toolworld env: workflow and team rules, answer formats,
an alternative offboarding route and one successful call of every tool, run against tools.py/verify.py
without the runtime.

The checks every shipped env shares live in tests/envs_support/test_shipped_env_shape.py (standalone) and
tests/toolworld/test_shipped_envs.py (through the runtime: reference passes, nothing and negative fail).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from envs_support.harness import EnvHarness

ENV = EnvHarness.load("project_tracker")


# ---------------------------------------------------------------- seed and tasks


def test_seed_is_dated_2025_04_10() -> None:
    assert ENV.open().execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0] == "2025-04-10"


def test_at_least_three_information_seeking_tasks() -> None:
    assert sum(1 for t in ENV.tasks if t.get("answer") is not None) >= 3


def test_offboarding_may_also_remove_the_leaver_from_teams() -> None:
    task = ENV.task("offboard_marcus_lee")
    calls = [
        *task["solution"][:-1],
        {"name": "remove_team_member", "arguments": {"team": "Web", "user_id": 5}},
        {"name": "remove_team_member", "arguments": {"team": "Mobile", "user_id": 5}},
        task["solution"][-1],
    ]
    assert ENV.verify(task, ENV.run(calls), None)["status"] == "pass"


def test_offboarding_to_the_wrong_team_member_fails_and_is_refused() -> None:
    conn = ENV.open()
    with pytest.raises(ValueError, match="not a member of the Mobile team"):
        ENV.call(conn, "assign_issue", {"issue_key": "MOB-19", "assignee_id": 4, "changed_by": 1})


def test_information_answers_accept_other_formats() -> None:
    final = ENV.open()
    assert ENV.verify("platform_march_hours", final, "45h 15m")["status"] == "pass"
    assert ENV.verify("platform_march_hours", final, "2715 minutes")["status"] == "pass"
    assert ENV.verify("platform_march_hours", final, "about 45.3 h")["status"] == "pass"
    assert ENV.verify("platform_march_hours", final, "45 hours")["status"] == "fail"
    assert ENV.verify("overdue_web_issues", final, "web-29 and WEB-26")["status"] == "pass"
    assert ENV.verify("mobile_sprint_points", final, "Sprint 9 has 10 points left")["status"] == "pass"


def test_information_task_fails_when_the_database_was_changed() -> None:
    task = ENV.task("overdue_web_issues")
    final = ENV.run([{"name": "add_label", "arguments": {"issue_key": "WEB-26", "label": "regression"}}])
    assert ENV.verify(task, final, task["answer"])["status"] == "fail"


# ---------------------------------------------------------------- business rules roll back cleanly

RULE_VIOLATIONS = [
    ("transition_issue", {"issue_key": "WEB-24", "new_status": "done", "changed_by": 1}, "cannot go from"),
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


@pytest.mark.parametrize(
    ("tool", "arguments", "fragment"), RULE_VIOLATIONS, ids=[r[0] for r in RULE_VIOLATIONS]
)
def test_business_rule_violation_raises_and_leaves_db_unchanged(
    tool: str, arguments: dict[str, Any], fragment: str
) -> None:
    ENV.assert_rejected(tool, arguments, fragment)


def test_starting_work_requires_an_assignee() -> None:
    conn = ENV.open()
    ENV.call(conn, "transition_issue", {"issue_key": "MOB-24", "new_status": "todo", "changed_by": 6})
    ENV.assert_rejected(
        "transition_issue",
        {"issue_key": "MOB-24", "new_status": "in_progress", "changed_by": 6},
        "no assignee",
        conn,
    )


def test_team_lead_cannot_be_deactivated_even_without_open_issues() -> None:
    conn = ENV.open()
    for issue in ENV.call(conn, "search_issues", {"assignee_id": 6, "open_only": True})["issues"]:
        ENV.call(conn, "assign_issue", {"issue_key": issue["key"], "assignee_id": 7, "changed_by": 6})
    ENV.assert_rejected("deactivate_user", {"user_id": 6}, "leads the Mobile team", conn)


def test_failed_operation_rolls_back_its_partial_writes() -> None:
    """create_user inserts the user before resolving the team; an unknown team must leave no user behind."""
    conn = ENV.open()
    ENV.assert_rejected(
        "create_user",
        {"name": "Ada Park", "email": "ada.park@lumen.example", "title": "Engineer", "team": "Growth"},
        "no team named",
        conn,
    )
    assert ENV.call(conn, "search_users", {"name": "Ada"}) == []


def test_bad_input_is_rejected_with_a_clear_message() -> None:
    conn = ENV.open()
    with pytest.raises(ValueError, match="issue keys look like"):
        ENV.call(conn, "get_issue", {"issue_key": "'; DROP TABLE issues; --"})
    with pytest.raises(ValueError, match="unknown status"):
        ENV.call(conn, "search_issues", {"status": ["finished"]})
    with pytest.raises(ValueError, match="ISO date"):
        ENV.call(conn, "search_issues", {"created_from": "10/04/2025"})
    with pytest.raises(ValueError, match="no team named"):
        ENV.call(conn, "get_team", {"team": "Growth"})
    assert conn.execute("SELECT count(*) FROM issues").fetchone()[0] > 100


def test_creating_an_issue_numbers_it_and_records_history() -> None:
    conn = ENV.open()
    issue = ENV.call(
        conn,
        "create_issue",
        {"project_key": "PAY", "title": "Apple Pay refunds stuck", "type": "bug", "priority": "high",
         "reporter_id": 26, "assignee_id": 16, "sprint_id": 15, "story_points": 3},
    )  # fmt: skip
    assert issue["key"] == "PAY-16" and issue["status"] == "todo" and issue["assignee"] == "Ben Carter"
    history = ENV.call(conn, "get_issue_history", {"issue_key": "PAY-16"})
    assert history[0]["field"] == "created"
    second = ENV.call(conn, "create_issue", {"project_key": "pay", "title": "t", "type": "task", "priority": "low",
                                          "reporter_id": 26})  # fmt: skip
    assert second["key"] == "PAY-17"


def test_search_issues_filters_sort_and_paginate() -> None:
    conn = ENV.open()
    page = ENV.call(conn, "search_issues", {"project_key": "MOB", "type": "bug", "unassigned": True,
                                         "open_only": True, "sort": "priority", "limit": 1})  # fmt: skip
    assert page["total"] >= 3 and [i["key"] for i in page["issues"]] == ["MOB-23"]
    nxt = ENV.call(conn, "search_issues", {"project_key": "MOB", "type": "bug", "unassigned": True,
                                        "open_only": True, "sort": "priority", "limit": 1, "offset": 1})  # fmt: skip
    assert nxt["issues"][0]["key"] == "MOB-24"
    by_label = ENV.call(conn, "search_issues", {"label": "customer-reported", "limit": 200})
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
    assert set(VALID_CALLS) == set(ENV.tools)


@pytest.mark.parametrize("tool", sorted(VALID_CALLS))
def test_every_tool_succeeds_on_valid_input_and_returns_json(tool: str) -> None:
    conn = ENV.open()
    if tool == "start_sprint":
        ENV.call(conn, "close_sprint", {"sprint_id": 11, "carry_over_to_sprint_id": 12})
    if tool == "deactivate_user":
        for issue in ENV.call(conn, "search_issues", {"assignee_id": 22, "open_only": True})["issues"]:
            ENV.call(conn, "assign_issue", {"issue_key": issue["key"], "assignee_id": 20, "changed_by": 19})
    if tool == "close_milestone":
        for issue in ENV.call(conn, "search_issues", {"milestone_id": 9, "open_only": True})["issues"]:
            ENV.call(
                conn,
                "set_issue_milestone",
                {"issue_key": issue["key"], "milestone_id": None, "changed_by": 10},
            )
    if tool == "remove_label":
        ENV.call(conn, "add_label", {"issue_key": "PAY-13", "label": "refunds"})
    result = ENV.call(conn, tool, VALID_CALLS[tool])
    json.dumps(result)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
