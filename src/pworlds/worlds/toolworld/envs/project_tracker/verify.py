"""Verifiers for the project_tracker tasks.

Each verifier derives what should have happened from the *initial* database (so it does not depend on
hard-coded row ids), checks the intended change in *final*, and compares every table row by row so that any
change outside the task's scope (collateral damage) fails the task.
"""

import re
import sqlite3

TABLES = (
    "settings",
    "users",
    "teams",
    "team_members",
    "projects",
    "sprints",
    "milestones",
    "issues",
    "labels",
    "issue_labels",
    "comments",
    "time_logs",
    "issue_history",
)
OPEN = ("backlog", "todo", "in_progress", "in_review")
NUMBER_PATTERN = r"-?\d+(?:[.,]\d+)?"
KEY_PATTERN = r"\b([A-Za-z]+)-(\d+)\b"


# ---------------------------------------------------------------- shared helpers


def _result(ok: bool, message: str, evidence: dict) -> dict:
    return {"status": "pass" if ok else "fail", "evidence": evidence, "message": message}


def _rows(conn: sqlite3.Connection, table: str) -> dict:
    """Rows keyed by id, or by the whole row for tables without an id column."""
    rows = [dict(r) for r in conn.execute(f"SELECT * FROM {table}")]
    out = {}
    for r in rows:
        key = r["id"] if "id" in r else tuple(sorted(r.items()))
        out[key] = r
    return out


def _changes(initial: sqlite3.Connection, final: sqlite3.Connection, table: str) -> list:
    """(kind, before, after) for every added, removed or modified row of ``table``."""
    a = _rows(initial, table)
    b = _rows(final, table)
    out = []
    for k, row in a.items():
        if k not in b:
            out.append(("removed", row, None))
        elif b[k] != row:
            out.append(("modified", row, b[k]))
    for k, row in b.items():
        if k not in a:
            out.append(("added", None, row))
    return out


def _unexpected(initial: sqlite3.Connection, final: sqlite3.Connection, allow: dict) -> list:
    """Changes not covered by ``allow`` ({table: predicate(kind, before, after) -> bool}); at most 10 listed."""
    bad = []
    for table in TABLES:
        ok = allow.get(table)
        for kind, before, after in _changes(initial, final, table):
            if ok is None or not ok(kind, before, after):
                row = after if after is not None else before
                bad.append(f"{table}: {kind} {row.get('id', row)}")
    return bad[:10]


def _issue_id(conn: sqlite3.Connection, key: str) -> int | None:
    m = re.match(r"^([A-Z]+)-(\d+)$", key)
    if m is None:
        return None
    row = conn.execute(
        "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.key = ? AND i.number = ?",
        (m.group(1), int(m.group(2))),
    ).fetchone()
    return None if row is None else row[0]


def _issue(conn: sqlite3.Connection, issue_id: int) -> dict | None:
    row = conn.execute("SELECT * FROM issues WHERE id = ?", (issue_id,)).fetchone()
    return None if row is None else dict(row)


def _key(conn: sqlite3.Connection, issue_id: int) -> str:
    return conn.execute(
        "SELECT p.key || '-' || i.number FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.id = ?",
        (issue_id,),
    ).fetchone()[0]


def _user_id(conn: sqlite3.Connection, name: str) -> int:
    return conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()[0]


def _today(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0]


def _same_except(before: dict, after: dict, fields: tuple) -> bool:
    """True when ``after`` differs from ``before`` only in ``fields`` (and the bookkeeping updated_on)."""
    skip = (*fields, "updated_on")
    return all(before[k] == after[k] for k in before if k not in skip)


def _numbers(answer: str | None) -> list:
    if not answer:
        return []
    return [float(n.replace(",", ".")) for n in re.findall(NUMBER_PATTERN, answer.replace("\u2212", "-"))]


def _keys(answer: str | None) -> set:
    if not answer:
        return set()
    return {f"{p.upper()}-{int(n)}" for p, n in re.findall(KEY_PATTERN, answer)}


# ---------------------------------------------------------------- task verifiers


def verify_ship_refund_webhook_fix(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """PAY issue about double-firing refund webhooks goes in_progress → in_review → done, with a comment by
    Fatima mentioning production; nothing else changes."""
    target = initial.execute(
        "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.key = 'PAY' "
        "AND i.title LIKE 'Refund webhook retries%'"
    ).fetchone()[0]
    fatima = _user_id(initial, "Fatima Haddad")
    today = _today(initial)
    after = _issue(final, target)
    before = _issue(initial, target)
    new_comments = [
        after_row
        for kind, _, after_row in _changes(initial, final, "comments")
        if kind == "added" and after_row["issue_id"] == target
    ]
    comment_ok = any(
        c["author_id"] == fatima and re.search(r"prod", c["body"], re.IGNORECASE) for c in new_comments
    )
    history = [
        (r["old_value"], r["new_value"])
        for r in final.execute(
            "SELECT old_value, new_value FROM issue_history WHERE issue_id = ? AND field = 'status' "
            "AND changed_on = ? ORDER BY id",
            (target, today),
        )
    ]
    unexpected = _unexpected(
        initial,
        final,
        {
            "issues": lambda k, b, a: k == "modified" and b["id"] == target,
            "issue_history": lambda k, b, a: k == "added" and a["issue_id"] == target,
            "comments": lambda k, b, a: k == "added" and a["issue_id"] == target,
        },
    )
    evidence = {
        "issue": _key(initial, target),
        "status": None if after is None else after["status"],
        "resolved_on": None if after is None else after["resolved_on"],
        "status_history_today": history,
        "fatima_prod_comment": comment_ok,
        "unexpected_changes": unexpected,
    }
    ok = (
        after is not None
        and after["status"] == "done"
        and after["resolved_on"] == today
        and ("in_progress", "in_review") in history
        and ("in_review", "done") in history
        and _same_except(before, after, ("status", "resolved_on"))
        and comment_ok
        and not unexpected
    )
    msg = (
        "refund webhook fix marked done with comment"
        if ok
        else "issue not properly closed or other changes made"
    )
    return _result(ok, msg, evidence)


def verify_offboard_marcus_lee(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """Marcus's open WEB issues go to Jordan Patel, open MOB issues to Nina Kowalski, his closed issues stay his,
    and his account is deactivated."""
    marcus = _user_id(initial, "Marcus Lee")
    new_owner = {"WEB": _user_id(initial, "Jordan Patel"), "MOB": _user_id(initial, "Nina Kowalski")}
    open_rows = initial.execute(
        "SELECT i.id, p.key FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.assignee_id = ? "
        f"AND i.status IN {OPEN}",
        (marcus,),
    ).fetchall()
    expected = {r[0]: new_owner.get(r[1]) for r in open_rows}
    wrong = []
    for issue_id, owner in expected.items():
        before, after = _issue(initial, issue_id), _issue(final, issue_id)
        if (
            after is None
            or after["assignee_id"] != owner
            or not _same_except(before, after, ("assignee_id",))
        ):
            wrong.append(_key(initial, issue_id))
    active = final.execute("SELECT active FROM users WHERE id = ?", (marcus,)).fetchone()[0]
    unexpected = _unexpected(
        initial,
        final,
        {
            "users": lambda k, b, a: k == "modified" and b["id"] == marcus,
            "team_members": lambda k, b, a: k == "removed" and b["user_id"] == marcus,
            "issues": lambda k, b, a: k == "modified" and b["id"] in expected,
            "issue_history": lambda k, b, a: k == "added" and a["issue_id"] in expected,
        },
    )
    evidence = {
        "open_issues": sorted(_key(initial, i) for i in expected),
        "wrongly_handled": wrong,
        "marcus_active": bool(active),
        "unexpected_changes": unexpected,
    }
    ok = bool(expected) and not wrong and not active and not unexpected
    return _result(ok, "Marcus offboarded cleanly" if ok else "offboarding incomplete or too broad", evidence)


def verify_close_web_sprint(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """WEB's active sprint is closed with its completed points, unfinished issues move to the next planned sprint,
    finished ones stay, and the next sprint is started."""
    web = initial.execute("SELECT id FROM projects WHERE key = 'WEB'").fetchone()[0]
    old = initial.execute(
        "SELECT id FROM sprints WHERE project_id = ? AND status = 'active'", (web,)
    ).fetchone()[0]
    new = initial.execute(
        "SELECT id FROM sprints WHERE project_id = ? AND status = 'planned' ORDER BY start_date LIMIT 1",
        (web,),
    ).fetchone()[0]
    members = [dict(r) for r in initial.execute("SELECT * FROM issues WHERE sprint_id = ?", (old,))]
    unfinished = {m["id"] for m in members if m["status"] in OPEN}
    done_points = sum(m["story_points"] or 0 for m in members if m["status"] == "done")
    old_after = dict(final.execute("SELECT * FROM sprints WHERE id = ?", (old,)).fetchone())
    new_after = dict(final.execute("SELECT * FROM sprints WHERE id = ?", (new,)).fetchone())
    misplaced = []
    for m in members:
        after = _issue(final, m["id"])
        want = new if m["id"] in unfinished else old
        if after is None or after["sprint_id"] != want or not _same_except(m, after, ("sprint_id",)):
            misplaced.append(_key(initial, m["id"]))
    unexpected = _unexpected(
        initial,
        final,
        {
            "sprints": lambda k, b, a: k == "modified" and b["id"] in (old, new),
            "issues": lambda k, b, a: k == "modified" and b["id"] in unfinished,
            "issue_history": lambda k, b, a: k == "added" and a["issue_id"] in unfinished,
        },
    )
    evidence = {
        "closed_sprint": old_after["name"],
        "closed_status": old_after["status"],
        "completed_points": old_after["completed_points"],
        "expected_completed_points": done_points,
        "next_sprint_status": new_after["status"],
        "misplaced_issues": misplaced,
        "unexpected_changes": unexpected,
    }
    ok = (
        old_after["status"] == "closed"
        and old_after["completed_points"] == done_points
        and new_after["status"] == "active"
        and not misplaced
        and not unexpected
    )
    return _result(ok, "sprint rolled over" if ok else "sprint not rolled over correctly", evidence)


def verify_platform_march_hours(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """Answer: hours logged in March 2025 against projects owned by the Platform team (hours, or minutes if the
    answer says minutes, or an "Xh Ym" form). The database must be unchanged."""
    minutes = initial.execute(
        "SELECT coalesce(sum(t.minutes), 0) FROM time_logs t JOIN issues i ON i.id = t.issue_id "
        "JOIN projects p ON p.id = i.project_id JOIN teams tm ON tm.id = p.team_id "
        "WHERE tm.name = 'Platform' AND t.log_date BETWEEN '2025-03-01' AND '2025-03-31'"
    ).fetchone()[0]
    hours = minutes / 60
    text = (answer or "").lower()
    given = None
    hm = re.search(r"(\d+)\s*h(?:ours?|rs?)?\s*(?:and\s*)?(\d+)\s*m", text)
    nums = [n for n in _numbers(text) if not 2000 <= n <= 2100]  # ignore the year if quoted
    if hm:
        given = int(hm.group(1)) + int(hm.group(2)) / 60
    elif nums:
        given = (
            nums[0] / 60 if re.search(r"\bmin", text) and not re.search(r"\bh(ou)?rs?\b", text) else nums[0]
        )
    unexpected = _unexpected(initial, final, {})
    ok = given is not None and abs(given - hours) < 0.051 and not unexpected  # 45.3 for 45.25 is fine
    evidence = {"expected_hours": round(hours, 2), "given_hours": given, "unexpected_changes": unexpected}
    return _result(ok, "correct total" if ok else "wrong or missing total", evidence)


def verify_triage_mobile_bug(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """The most urgent (then oldest) open unassigned MOB bug is assigned to Aisha Bello and put in the active
    Mobile sprint; nothing else changes."""
    mob = initial.execute("SELECT id FROM projects WHERE key = 'MOB'").fetchone()[0]
    target = initial.execute(
        "SELECT id FROM issues WHERE project_id = ? AND type = 'bug' AND assignee_id IS NULL "
        f"AND status IN {OPEN} ORDER BY CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 "
        "WHEN 'medium' THEN 2 ELSE 3 END, created_on, id LIMIT 1",
        (mob,),
    ).fetchone()[0]
    sprint = initial.execute(
        "SELECT id FROM sprints WHERE project_id = ? AND status = 'active'", (mob,)
    ).fetchone()[0]
    aisha = _user_id(initial, "Aisha Bello")
    before, after = _issue(initial, target), _issue(final, target)
    unexpected = _unexpected(
        initial,
        final,
        {
            "issues": lambda k, b, a: k == "modified" and b["id"] == target,
            "issue_history": lambda k, b, a: k == "added" and a["issue_id"] == target,
            "comments": lambda k, b, a: k == "added" and a["issue_id"] == target,
        },
    )
    evidence = {
        "expected_issue": _key(initial, target),
        "assignee_id": None if after is None else after["assignee_id"],
        "sprint_id": None if after is None else after["sprint_id"],
        "unexpected_changes": unexpected,
    }
    ok = (
        after is not None
        and after["assignee_id"] == aisha
        and after["sprint_id"] == sprint
        and _same_except(before, after, ("assignee_id", "sprint_id", "status"))
        and after["status"] in OPEN
        and not unexpected
    )
    return _result(ok, "right bug triaged" if ok else "wrong bug or incomplete triage", evidence)


def verify_fix_sofia_timesheet(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """Sofia's 3h on PAY-15 (2025-04-07) moves to PAY-14 with the same date/minutes/note, and 2h30 is added on
    API-15 for 2025-04-09; every other time log is untouched."""
    sofia = _user_id(initial, "Sofia Marino")
    pay14, pay15, api15 = (_issue_id(initial, k) for k in ("PAY-14", "PAY-15", "API-15"))
    wrong = initial.execute(
        "SELECT * FROM time_logs WHERE user_id = ? AND issue_id = ? AND log_date = '2025-04-07' AND minutes = 180",
        (sofia, pay15),
    ).fetchone()
    changes = _changes(initial, final, "time_logs")
    removed = [b for k, b, _ in changes if k == "removed"]
    added = [a for k, _, a in changes if k == "added"]
    modified = [a for k, _, a in changes if k == "modified"]
    moved = [
        a
        for a in added + modified
        if a["user_id"] == sofia
        and a["issue_id"] == pay14
        and a["log_date"] == "2025-04-07"
        and a["minutes"] == 180
    ]
    new_api = [
        a
        for a in added
        if a["user_id"] == sofia
        and a["issue_id"] == api15
        and a["log_date"] == "2025-04-09"
        and a["minutes"] == 150
    ]
    wrong_gone = (
        final.execute(
            "SELECT count(*) FROM time_logs WHERE user_id = ? AND issue_id = ? AND log_date = '2025-04-07'",
            (sofia, pay15),
        ).fetchone()[0]
        == 0
    )
    note_kept = any(m["note"] == wrong["note"] for m in moved)
    extra = len(added) + len(modified) - len(moved) - len(new_api)
    removed_ok = len(removed) <= 1 and all(b["id"] == wrong["id"] for b in removed)
    unexpected = _unexpected(
        initial,
        final,
        {
            "time_logs": lambda k, b, a: True,  # checked precisely above
            "comments": lambda k, b, a: k == "added" and a["issue_id"] in (pay14, pay15, api15),
        },
    )
    evidence = {
        "wrong_entry_gone": wrong_gone,
        "moved_entries": len(moved),
        "note_kept": note_kept,
        "new_api_entries": len(new_api),
        "other_time_log_changes": extra,
        "unexpected_changes": unexpected,
    }
    ok = (
        wrong_gone
        and len(moved) == 1
        and note_kept
        and len(new_api) == 1
        and extra == 0
        and removed_ok
        and not unexpected
    )
    return _result(ok, "timesheet fixed" if ok else "timesheet not fixed exactly", evidence)


def verify_ship_web_v23(initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None) -> dict:
    """Unfinished v2.3 issues move to v2.4 unchanged otherwise, finished ones stay, and v2.3 is closed today."""
    web = initial.execute("SELECT id FROM projects WHERE key = 'WEB'").fetchone()[0]
    v23 = initial.execute(
        "SELECT id FROM milestones WHERE project_id = ? AND name = 'v2.3'", (web,)
    ).fetchone()[0]
    v24 = initial.execute(
        "SELECT id FROM milestones WHERE project_id = ? AND name = 'v2.4'", (web,)
    ).fetchone()[0]
    members = [dict(r) for r in initial.execute("SELECT * FROM issues WHERE milestone_id = ?", (v23,))]
    unfinished = {m["id"] for m in members if m["status"] in OPEN}
    wrong = []
    for m in members:
        after = _issue(final, m["id"])
        want = v24 if m["id"] in unfinished else v23
        if after is None or after["milestone_id"] != want or not _same_except(m, after, ("milestone_id",)):
            wrong.append(_key(initial, m["id"]))
    ms = dict(final.execute("SELECT * FROM milestones WHERE id = ?", (v23,)).fetchone())
    unexpected = _unexpected(
        initial,
        final,
        {
            "milestones": lambda k, b, a: k == "modified" and b["id"] == v23,
            "issues": lambda k, b, a: k == "modified" and b["id"] in unfinished,
            "issue_history": lambda k, b, a: k == "added" and a["issue_id"] in unfinished,
        },
    )
    evidence = {
        "moved_expected": sorted(_key(initial, i) for i in unfinished),
        "wrong": wrong,
        "v23_status": ms["status"],
        "v23_closed_on": ms["closed_on"],
        "unexpected_changes": unexpected,
    }
    ok = bool(unfinished) and not wrong and ms["status"] == "closed" and ms["closed_on"] == _today(initial)
    ok = ok and not unexpected
    return _result(ok, "v2.3 shipped" if ok else "v2.3 not shipped correctly", evidence)


def verify_mobile_sprint_points(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """Answer: story points of open (not done, not cancelled) issues in the active MOB sprint; DB unchanged."""
    expected = initial.execute(
        "SELECT coalesce(sum(i.story_points), 0) FROM issues i JOIN sprints s ON s.id = i.sprint_id "
        "JOIN projects p ON p.id = s.project_id WHERE p.key = 'MOB' AND s.status = 'active' "
        f"AND i.status IN {OPEN}"
    ).fetchone()[0]
    nums = [n for n in _numbers(answer) if not 2000 <= n <= 2100]
    sprint_no = re.search(r"sprint\s*(\d+)", (answer or "").lower())
    if sprint_no:  # "Sprint 9 has 10 points left": skip the sprint number
        nums = _numbers(re.sub(r"(?i)sprint\s*\d+", "", answer or ""))
    unexpected = _unexpected(initial, final, {})
    ok = bool(nums) and abs(nums[0] - expected) < 1e-9 and not unexpected
    evidence = {"expected_points": expected, "given": nums[:3], "unexpected_changes": unexpected}
    return _result(ok, "correct remaining points" if ok else "wrong remaining points", evidence)


def verify_tag_api_timeout_bugs(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """A 'performance' label (#d97706) exists in API and is on exactly the open API bugs mentioning a timeout."""
    api = initial.execute("SELECT id FROM projects WHERE key = 'API'").fetchone()[0]
    expected = {
        r[0]
        for r in initial.execute(
            "SELECT id FROM issues WHERE project_id = ? AND type = 'bug' "
            f"AND status IN {OPEN} AND (lower(title) LIKE '%timeout%' OR lower(description) LIKE '%timeout%')",
            (api,),
        )
    }
    label = final.execute(
        "SELECT id, color FROM labels WHERE project_id = ? AND name = 'performance'", (api,)
    ).fetchone()
    tagged = set()
    if label is not None:
        tagged = {
            r[0] for r in final.execute("SELECT issue_id FROM issue_labels WHERE label_id = ?", (label[0],))
        }
    label_id = None if label is None else label[0]
    unexpected = _unexpected(
        initial,
        final,
        {
            "labels": lambda k, b, a: k == "added" and a["id"] == label_id,
            "issue_labels": lambda k, b, a: k == "added" and a["label_id"] == label_id,
        },
    )
    evidence = {
        "expected": sorted(_key(initial, i) for i in expected),
        "tagged": sorted(_key(final, i) for i in tagged),
        "label_color": None if label is None else label[1],
        "unexpected_changes": unexpected,
    }
    ok = (
        label is not None
        and label[1] == "#d97706"
        and tagged == expected
        and bool(expected)
        and not unexpected
    )
    return _result(ok, "timeout bugs tagged" if ok else "label missing or wrong set of issues", evidence)


def verify_overdue_web_issues(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    """Answer: the keys of open WEB issues whose due date is before today (exact set); DB unchanged."""
    today = _today(initial)
    expected = {
        r[0]
        for r in initial.execute(
            "SELECT p.key || '-' || i.number FROM issues i JOIN projects p ON p.id = i.project_id "
            f"WHERE p.key = 'WEB' AND i.status IN {OPEN} AND i.due_date IS NOT NULL AND i.due_date < ?",
            (today,),
        )
    }
    given = _keys(answer)
    unexpected = _unexpected(initial, final, {})
    ok = bool(expected) and given == expected and not unexpected
    evidence = {"expected": sorted(expected), "given": sorted(given), "unexpected_changes": unexpected}
    return _result(ok, "correct overdue list" if ok else "overdue list differs", evidence)
