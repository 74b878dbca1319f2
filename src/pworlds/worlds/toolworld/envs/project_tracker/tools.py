"""Tools for the project_tracker environment: an engineering org's issue tracker.

Issues are addressed by their human key (``WEB-12``), users by numeric id (find them with
``search_users``), sprints and milestones by id. Business rules (status workflow, team membership, sprint
and timesheet rules) are enforced here and reported as ``ValueError`` so the agent sees a clear message and
the call is rolled back.
"""

import re
import sqlite3
from typing import Literal

STATUSES = ("backlog", "todo", "in_progress", "in_review", "done", "cancelled")
OPEN_STATUSES = ("backlog", "todo", "in_progress", "in_review")
CLOSED_STATUSES = ("done", "cancelled")
PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
ISSUE_TYPES = ("bug", "story", "task", "epic")
STORY_POINTS = (0, 1, 2, 3, 5, 8, 13, 21)
TRANSITIONS = {
    "backlog": ("todo", "cancelled"),
    "todo": ("in_progress", "backlog", "cancelled"),
    "in_progress": ("in_review", "todo", "cancelled"),
    "in_review": ("done", "in_progress", "cancelled"),
    "done": ("todo",),
    "cancelled": ("backlog",),
}
KEY_PATTERN = r"^([A-Za-z]+)-(\d+)$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
COLOR_PATTERN = r"^#[0-9a-f]{6}$"

IssueStatus = Literal["backlog", "todo", "in_progress", "in_review", "done", "cancelled"]
IssuePriority = Literal["critical", "high", "medium", "low"]
IssueType = Literal["bug", "story", "task", "epic"]


# ---------------------------------------------------------------- internal helpers (not tools)


def _today(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0]


def _timesheet_lock(conn: sqlite3.Connection) -> str:
    """Time logs dated before the first day of the current month belong to a closed timesheet period."""
    return _today(conn)[:8] + "01"


def _check_date(value: str, name: str) -> str:
    if not re.match(DATE_PATTERN, value):
        raise ValueError(f"{name} must be an ISO date like 2025-04-10, got {value!r}")
    return value


def _user(conn: sqlite3.Connection, user_id: int, *, active: bool = True) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise ValueError(f"no user with id {user_id}; use search_users to find the right id")
    if active and not row["active"]:
        raise ValueError(f"user {row['name']} (id {user_id}) is deactivated")
    return row


def _team(conn: sqlite3.Connection, team: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM teams WHERE lower(name) = lower(?)", (team.strip(),)).fetchone()
    if row is None:
        names = ", ".join(r[0] for r in conn.execute("SELECT name FROM teams ORDER BY name"))
        raise ValueError(f"no team named {team!r}; teams are: {names}")
    return row


def _project(conn: sqlite3.Connection, project_key: str, *, writable: bool = False) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM projects WHERE key = upper(?)", (project_key.strip(),)).fetchone()
    if row is None:
        raise ValueError(f"no project with key {project_key!r}; use list_projects to see the keys")
    if writable and row["status"] != "active":
        raise ValueError(f"project {row['key']} is archived and read-only")
    return row


def _issue(conn: sqlite3.Connection, issue_key: str, *, writable: bool = False) -> sqlite3.Row:
    m = re.match(KEY_PATTERN, issue_key.strip())
    if m is None:
        raise ValueError(f"issue keys look like WEB-12, got {issue_key!r}")
    row = conn.execute(
        "SELECT i.*, p.key AS project_key, p.team_id AS team_id, p.status AS project_status FROM issues i "
        "JOIN projects p ON p.id = i.project_id WHERE p.key = upper(?) AND i.number = ?",
        (m.group(1), int(m.group(2))),
    ).fetchone()
    if row is None:
        raise ValueError(f"no issue {issue_key!r}")
    if writable and row["project_status"] != "active":
        raise ValueError(f"project {row['project_key']} is archived and read-only")
    return row


def _is_member(conn: sqlite3.Connection, team_id: int, user_id: int) -> bool:
    q = "SELECT 1 FROM team_members WHERE team_id = ? AND user_id = ?"
    return conn.execute(q, (team_id, user_id)).fetchone() is not None


def _check_assignee(conn: sqlite3.Connection, team_id: int, user_id: int) -> sqlite3.Row:
    user = _user(conn, user_id)
    if not _is_member(conn, team_id, user_id):
        team = conn.execute("SELECT name FROM teams WHERE id = ?", (team_id,)).fetchone()[0]
        raise ValueError(
            f"{user['name']} is not a member of the {team} team that owns this project; "
            "assign someone from that team (see get_team)"
        )
    return user


def _record(
    conn: sqlite3.Connection, issue_id: int, by: int | None, field: str, old: object, new: object
) -> None:
    today = _today(conn)
    conn.execute(
        "INSERT INTO issue_history (issue_id, changed_by, field, old_value, new_value, changed_on) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (issue_id, by, field, None if old is None else str(old), None if new is None else str(new), today),
    )
    conn.execute("UPDATE issues SET updated_on = ? WHERE id = ?", (today, issue_id))


def _issue_out(conn: sqlite3.Connection, issue_id: int) -> dict:
    row = conn.execute(
        "SELECT p.key || '-' || i.number AS key, i.title, i.type, i.status, i.priority, i.story_points, "
        "i.assignee_id, a.name AS assignee, i.reporter_id, r.name AS reporter, i.sprint_id, s.name "
        "AS sprint, "
        "i.milestone_id, m.name AS milestone, i.due_date, i.created_on, i.updated_on, i.resolved_on "
        "FROM issues i JOIN projects p ON p.id = i.project_id JOIN users r ON r.id = i.reporter_id "
        "LEFT JOIN users a ON a.id = i.assignee_id LEFT JOIN sprints s ON s.id = i.sprint_id "
        "LEFT JOIN milestones m ON m.id = i.milestone_id WHERE i.id = ?",
        (issue_id,),
    ).fetchone()
    out = dict(row)
    out["labels"] = [
        r[0]
        for r in conn.execute(
            "SELECT l.name FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = ? "
            "ORDER BY l.name",
            (issue_id,),
        )
    ]
    return out


def _sprint(conn: sqlite3.Connection, sprint_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM sprints WHERE id = ?", (sprint_id,)).fetchone()
    if row is None:
        raise ValueError(f"no sprint with id {sprint_id}; use list_sprints to find it")
    return row


def _milestone(conn: sqlite3.Connection, milestone_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM milestones WHERE id = ?", (milestone_id,)).fetchone()
    if row is None:
        raise ValueError(f"no milestone with id {milestone_id}; use list_milestones to find it")
    return row


def _check_points(points: int | None) -> None:
    if points is not None and points not in STORY_POINTS:
        raise ValueError(f"story points must be one of {list(STORY_POINTS)}, got {points}")


# ---------------------------------------------------------------- users and teams


def get_today(conn: sqlite3.Connection) -> str:
    """Return today's date in this workspace (ISO YYYY-MM-DD); use it for "today", "yesterday", etc."""
    return _today(conn)


def search_users(
    conn: sqlite3.Connection,
    name: str | None = None,
    team: str | None = None,
    active_only: bool = True,
    limit: int = 50,
) -> list:
    """Find users by (part of) their name or email, optionally only members of one team.

    Args:
        name: Case-insensitive substring of the user's name or email; omit to list everyone.
        team: Team name (e.g. "Mobile"); only members of that team are returned.
        active_only: When true (default) deactivated accounts are left out.
        limit: Maximum number of users returned.
    """
    sql = "SELECT DISTINCT u.id, u.name, u.email, u.title, u.active FROM users u"
    args: list = []
    where = []
    if team is not None:
        sql += " JOIN team_members tm ON tm.user_id = u.id"
        where.append("tm.team_id = ?")
        args.append(_team(conn, team)["id"])
    if name:
        where.append("(lower(u.name) LIKE ? OR lower(u.email) LIKE ?)")
        args += [f"%{name.strip().lower()}%"] * 2
    if active_only:
        where.append("u.active = 1")
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY u.name LIMIT ?"
    args.append(max(0, limit))
    rows = [dict(r) for r in conn.execute(sql, args)]
    for r in rows:
        r["active"] = bool(r["active"])
    return rows


def get_user(conn: sqlite3.Connection, user_id: int) -> dict:
    """Get a user's profile, team memberships and how many open issues are assigned to them.

    Args:
        user_id: The user's id.
    """
    user = dict(_user(conn, user_id, active=False))
    user["active"] = bool(user["active"])
    user["teams"] = [
        dict(r)
        for r in conn.execute(
            "SELECT t.name AS team, tm.role FROM team_members tm JOIN teams t ON t.id = tm.team_id "
            "WHERE tm.user_id = ? ORDER BY t.name",
            (user_id,),
        )
    ]
    user["open_assigned_issues"] = conn.execute(
        "SELECT count(*) FROM issues WHERE assignee_id = ? AND status IN (?, ?, ?, ?)",
        (user_id, *OPEN_STATUSES),
    ).fetchone()[0]
    return user


def create_user(conn: sqlite3.Connection, name: str, email: str, title: str, team: str | None = None) -> dict:
    """Create a new (active) user account, optionally adding them to a team as a member.

    Args:
        name: Full name.
        email: Work email; must be unique.
        title: Job title.
        team: Team name to join as a member.
    """
    if not name.strip() or "@" not in email:
        raise ValueError("a user needs a non-empty name and a valid email address")
    if conn.execute("SELECT 1 FROM users WHERE lower(email) = lower(?)", (email,)).fetchone():
        raise ValueError(f"a user with email {email} already exists")
    cur = conn.execute(
        "INSERT INTO users (name, email, title, active, joined_on) VALUES (?, ?, ?, 1, ?)",
        (name.strip(), email.strip().lower(), title.strip(), _today(conn)),
    )
    user_id = int(cur.lastrowid)
    if team is not None:
        conn.execute(
            "INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, 'member')",
            (_team(conn, team)["id"], user_id),
        )
    return get_user(conn, user_id)


def deactivate_user(conn: sqlite3.Connection, user_id: int) -> dict:
    """Deactivate a departing user's account.

    Refused while the user still has open (not done/cancelled) issues assigned or leads a team: reassign the
    issues and hand over team leadership first. Their history (done issues, comments, time logs) is kept.

    Args:
        user_id: The user to deactivate.
    """
    user = _user(conn, user_id, active=False)
    if not user["active"]:
        raise ValueError(f"{user['name']} is already deactivated")
    open_keys = [
        r[0]
        for r in conn.execute(
            "SELECT p.key || '-' || i.number FROM issues i JOIN projects p ON p.id = i.project_id "
            "WHERE i.assignee_id = ? AND i.status IN (?, ?, ?, ?) ORDER BY p.key, i.number",
            (user_id, *OPEN_STATUSES),
        )
    ]
    if open_keys:
        raise ValueError(
            f"{user['name']} still has open issues assigned: {', '.join(open_keys)}; reassign them first"
        )
    lead = conn.execute(
        "SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = ? "
        "AND tm.role = 'lead'",
        (user_id,),
    ).fetchone()
    if lead is not None:
        raise ValueError(f"{user['name']} leads the {lead[0]} team; make someone else lead first")
    conn.execute("UPDATE users SET active = 0 WHERE id = ?", (user_id,))
    return get_user(conn, user_id)


def list_teams(conn: sqlite3.Connection) -> list:
    """List all teams with their lead, member count and the projects they own."""
    out = []
    for t in conn.execute("SELECT * FROM teams ORDER BY name").fetchall():
        lead = conn.execute(
            "SELECT u.id, u.name FROM team_members tm JOIN users u ON u.id = tm.user_id "
            "WHERE tm.team_id = ? AND tm.role = 'lead'",
            (t["id"],),
        ).fetchone()
        out.append(
            {
                "id": t["id"],
                "name": t["name"],
                "description": t["description"],
                "lead": None if lead is None else dict(lead),
                "members": conn.execute(
                    "SELECT count(*) FROM team_members WHERE team_id = ?", (t["id"],)
                ).fetchone()[0],
                "projects": [
                    r[0] for r in conn.execute("SELECT key FROM projects WHERE team_id = ?", (t["id"],))
                ],
            }
        )
    return out


def get_team(conn: sqlite3.Connection, team: str) -> dict:
    """Get one team with its members (id, name, role, active) and its projects.

    Args:
        team: Team name, e.g. "Payments".
    """
    t = _team(conn, team)
    members = [
        dict(r)
        for r in conn.execute(
            "SELECT u.id, u.name, u.title, tm.role, u.active FROM team_members tm JOIN users u ON "
            "u.id = tm.user_id "
            "WHERE tm.team_id = ? ORDER BY tm.role, u.name",
            (t["id"],),
        )
    ]
    for m in members:
        m["active"] = bool(m["active"])
    projects = [
        dict(r) for r in conn.execute("SELECT key, name, status FROM projects WHERE team_id = ?", (t["id"],))
    ]
    return {
        "id": t["id"],
        "name": t["name"],
        "description": t["description"],
        "members": members,
        "projects": projects,
    }


def add_team_member(
    conn: sqlite3.Connection, team: str, user_id: int, role: Literal["member", "lead"] = "member"
) -> dict:
    """Add an active user to a team. Making someone lead demotes the current lead to member.

    Args:
        team: Team name.
        user_id: The user to add.
        role: "member" (default) or "lead".
    """
    t = _team(conn, team)
    user = _user(conn, user_id)
    if role not in ("member", "lead"):
        raise ValueError("role must be 'member' or 'lead'")
    if role == "lead":
        conn.execute(
            "UPDATE team_members SET role = 'member' WHERE team_id = ? AND role = 'lead'", (t["id"],)
        )
    if _is_member(conn, t["id"], user_id):
        if role == "member":
            raise ValueError(f"{user['name']} is already in the {t['name']} team")
        conn.execute(
            "UPDATE team_members SET role = 'lead' WHERE team_id = ? AND user_id = ?", (t["id"], user_id)
        )
    else:
        conn.execute(
            "INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)", (t["id"], user_id, role)
        )
    return get_team(conn, t["name"])


def remove_team_member(conn: sqlite3.Connection, team: str, user_id: int) -> dict:
    """Remove a user from a team. Refused for the team lead and while they have open issues in the team's
    projects.

    Args:
        team: Team name.
        user_id: The user to remove.
    """
    t = _team(conn, team)
    user = _user(conn, user_id, active=False)
    row = conn.execute(
        "SELECT role FROM team_members WHERE team_id = ? AND user_id = ?", (t["id"], user_id)
    ).fetchone()
    if row is None:
        raise ValueError(f"{user['name']} is not in the {t['name']} team")
    if row["role"] == "lead":
        raise ValueError(f"{user['name']} leads {t['name']}; make someone else lead first")
    n = conn.execute(
        "SELECT count(*) FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.team_id = ? "
        "AND i.assignee_id = ? AND i.status IN (?, ?, ?, ?)",
        (t["id"], user_id, *OPEN_STATUSES),
    ).fetchone()[0]
    if n:
        raise ValueError(f"{user['name']} has {n} open issue(s) in {t['name']} projects; reassign them first")
    conn.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", (t["id"], user_id))
    return get_team(conn, t["name"])


# ---------------------------------------------------------------- projects and sprints


def list_projects(
    conn: sqlite3.Connection, team: str | None = None, status: Literal["active", "archived"] | None = None
) -> list:
    """List projects (key, name, owning team, status).

    Args:
        team: Only projects owned by this team.
        status: "active" or "archived".
    """
    sql = (
        "SELECT p.id, p.key, p.name, t.name AS team, p.status FROM projects p "
        "JOIN teams t ON t.id = p.team_id"
    )
    where, args = [], []
    if team is not None:
        where.append("p.team_id = ?")
        args.append(_team(conn, team)["id"])
    if status is not None:
        where.append("p.status = ?")
        args.append(status)
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [dict(r) for r in conn.execute(sql + " ORDER BY p.key", args)]


def get_project(conn: sqlite3.Connection, project_key: str) -> dict:
    """Get a project's details: owning team, issue counts per status and its active sprint (if any).

    Args:
        project_key: Project key, e.g. "WEB".
    """
    p = _project(conn, project_key)
    counts = {s: 0 for s in STATUSES}
    for r in conn.execute(
        "SELECT status, count(*) FROM issues WHERE project_id = ? GROUP BY status", (p["id"],)
    ):
        counts[r[0]] = r[1]
    active = conn.execute(
        "SELECT id, name, start_date, end_date FROM sprints WHERE project_id = ? AND status = 'active'",
        (p["id"],),
    ).fetchone()
    team = conn.execute("SELECT name FROM teams WHERE id = ?", (p["team_id"],)).fetchone()[0]
    return {
        "id": p["id"],
        "key": p["key"],
        "name": p["name"],
        "team": team,
        "status": p["status"],
        "issue_counts": counts,
        "active_sprint": None if active is None else dict(active),
    }


def list_sprints(
    conn: sqlite3.Connection, project_key: str, status: Literal["planned", "active", "closed"] | None = None
) -> list:
    """List a project's sprints (id, name, dates, status, goal), oldest first.

    Args:
        project_key: Project key, e.g. "MOB".
        status: Only sprints in this status.
    """
    p = _project(conn, project_key)
    sql = (
        "SELECT id, name, goal, start_date, end_date, status, completed_points FROM sprints "
        "WHERE project_id = ?"
    )
    args: list = [p["id"]]
    if status is not None:
        sql += " AND status = ?"
        args.append(status)
    return [dict(r) for r in conn.execute(sql + " ORDER BY start_date", args)]


def get_sprint(conn: sqlite3.Connection, sprint_id: int) -> dict:
    """Get a sprint with its issues and story-point totals (committed, done, remaining).

    Args:
        sprint_id: The sprint id (see list_sprints).
    """
    s = dict(_sprint(conn, sprint_id))
    ids = [
        r[0] for r in conn.execute("SELECT id FROM issues WHERE sprint_id = ? ORDER BY number", (sprint_id,))
    ]
    issues = [_issue_out(conn, i) for i in ids]
    s["project_key"] = conn.execute("SELECT key FROM projects WHERE id = ?", (s["project_id"],)).fetchone()[0]
    s["issues"] = issues
    s["points_committed"] = sum(i["story_points"] or 0 for i in issues if i["status"] != "cancelled")
    s["points_done"] = sum(i["story_points"] or 0 for i in issues if i["status"] == "done")
    s["points_remaining"] = sum(i["story_points"] or 0 for i in issues if i["status"] in OPEN_STATUSES)
    return s


def create_sprint(
    conn: sqlite3.Connection, project_key: str, name: str, start_date: str, end_date: str, goal: str = ""
) -> dict:
    """Create a planned sprint in a project.

    Args:
        project_key: Project key.
        name: Sprint name, unique within the project (e.g. "Sprint 16").
        start_date: First day (YYYY-MM-DD).
        end_date: Last day (YYYY-MM-DD), after start_date.
        goal: Sprint goal.
    """
    p = _project(conn, project_key, writable=True)
    _check_date(start_date, "start_date")
    _check_date(end_date, "end_date")
    if end_date <= start_date:
        raise ValueError("end_date must be after start_date")
    if conn.execute("SELECT 1 FROM sprints WHERE project_id = ? AND name = ?", (p["id"], name)).fetchone():
        raise ValueError(f"{p['key']} already has a sprint named {name!r}")
    cur = conn.execute(
        "INSERT INTO sprints (project_id, name, goal, start_date, end_date, status) VALUES (?, ?, ?, "
        "?, ?, 'planned')",
        (p["id"], name, goal, start_date, end_date),
    )
    return dict(_sprint(conn, int(cur.lastrowid)))


def start_sprint(conn: sqlite3.Connection, sprint_id: int) -> dict:
    """Start a planned sprint. A project can have only one active sprint at a time: close the current one
    first.

    Args:
        sprint_id: The planned sprint to start.
    """
    s = _sprint(conn, sprint_id)
    if s["status"] != "planned":
        raise ValueError(f"{s['name']} is {s['status']}; only planned sprints can be started")
    active = conn.execute(
        "SELECT name FROM sprints WHERE project_id = ? AND status = 'active'", (s["project_id"],)
    ).fetchone()
    if active is not None:
        raise ValueError(f"{active[0]} is still active in this project; close it before starting {s['name']}")
    conn.execute("UPDATE sprints SET status = 'active' WHERE id = ?", (sprint_id,))
    return dict(_sprint(conn, sprint_id))


def close_sprint(
    conn: sqlite3.Connection, sprint_id: int, carry_over_to_sprint_id: int | None = None
) -> dict:
    """Close the active sprint, recording completed points and moving unfinished issues out of it.

    Unfinished issues (not done or cancelled) move to ``carry_over_to_sprint_id`` (a planned sprint of the
    same project) or, if omitted, back to the backlog (no sprint). Done and cancelled issues stay in the
    closed sprint.

    Args:
        sprint_id: The active sprint to close.
        carry_over_to_sprint_id: Planned sprint of the same project that receives the unfinished issues.
    """
    s = _sprint(conn, sprint_id)
    if s["status"] != "active":
        raise ValueError(f"{s['name']} is {s['status']}; only the active sprint can be closed")
    if carry_over_to_sprint_id is not None:
        target = _sprint(conn, carry_over_to_sprint_id)
        if target["project_id"] != s["project_id"]:
            raise ValueError("unfinished issues can only carry over to a sprint of the same project")
        if target["status"] != "planned":
            raise ValueError(f"{target['name']} is {target['status']}; carry over into a planned sprint")
    moved = conn.execute(
        "SELECT id FROM issues WHERE sprint_id = ? AND status IN (?, ?, ?, ?) ORDER BY number",
        (sprint_id, *OPEN_STATUSES),
    ).fetchall()
    for r in moved:
        conn.execute("UPDATE issues SET sprint_id = ? WHERE id = ?", (carry_over_to_sprint_id, r[0]))
        _record(conn, r[0], None, "sprint", sprint_id, carry_over_to_sprint_id)
    done = conn.execute(
        "SELECT coalesce(sum(story_points), 0) FROM issues WHERE sprint_id = ? AND status = 'done'",
        (sprint_id,),
    ).fetchone()[0]
    conn.execute("UPDATE sprints SET status = 'closed', completed_points = ? WHERE id = ?", (done, sprint_id))
    return {
        "sprint": dict(_sprint(conn, sprint_id)),
        "carried_over": [_issue_out(conn, r[0])["key"] for r in moved],
        "carried_to_sprint_id": carry_over_to_sprint_id,
    }


# ---------------------------------------------------------------- issues


def search_issues(
    conn: sqlite3.Connection,
    project_key: str | None = None,
    status: list[str] | None = None,
    type: IssueType | None = None,
    priority: IssuePriority | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    sprint_id: int | None = None,
    milestone_id: int | None = None,
    label: str | None = None,
    text: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
    due_before: str | None = None,
    open_only: bool = False,
    sort: Literal["priority", "created", "updated", "key"] = "key",
    limit: int = 50,
    offset: int = 0,
) -> dict:
    """Search issues with filters; returns {"total": n, "issues": [...]} for the requested page.

    Args:
        project_key: Only issues of this project, e.g. "API".
        status: One or more statuses (backlog, todo, in_progress, in_review, done, cancelled).
        type: bug, story, task or epic.
        priority: critical, high, medium or low.
        assignee_id: Only issues assigned to this user.
        unassigned: Only issues with no assignee.
        sprint_id: Only issues in this sprint.
        milestone_id: Only issues in this milestone.
        label: Only issues carrying this label name.
        text: Case-insensitive substring matched against title AND description.
        created_from: Created on or after this date (YYYY-MM-DD).
        created_to: Created on or before this date (YYYY-MM-DD).
        due_before: Due date strictly before this date (issues without a due date are excluded).
        open_only: Only issues not done or cancelled.
        sort: "key" (default), "priority" (most urgent first, then oldest), "created" (oldest first) or
            "updated" (most recently updated first).
        limit: Page size (max 200).
        offset: Number of matching issues to skip.
    """
    where, args = [], []
    if project_key is not None:
        where.append("i.project_id = ?")
        args.append(_project(conn, project_key)["id"])
    if status:
        bad = [s for s in status if s not in STATUSES]
        if bad:
            raise ValueError(f"unknown status {bad[0]!r}; use one of {', '.join(STATUSES)}")
        where.append(f"i.status IN ({', '.join('?' for _ in status)})")
        args += list(status)
    if open_only:
        where.append("i.status IN (?, ?, ?, ?)")
        args += list(OPEN_STATUSES)
    for col, val in (("i.type", type), ("i.priority", priority), ("i.assignee_id", assignee_id)):
        if val is not None:
            where.append(f"{col} = ?")
            args.append(val)
    if unassigned:
        where.append("i.assignee_id IS NULL")
    if sprint_id is not None:
        where.append("i.sprint_id = ?")
        args.append(sprint_id)
    if milestone_id is not None:
        where.append("i.milestone_id = ?")
        args.append(milestone_id)
    if label is not None:
        where.append(
            "EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id "
            "WHERE il.issue_id = i.id AND lower(l.name) = lower(?))"
        )
        args.append(label.strip())
    if text:
        where.append("(lower(i.title) LIKE ? OR lower(i.description) LIKE ?)")
        args += [f"%{text.strip().lower()}%"] * 2
    if created_from is not None:
        where.append("i.created_on >= ?")
        args.append(_check_date(created_from, "created_from"))
    if created_to is not None:
        where.append("i.created_on <= ?")
        args.append(_check_date(created_to, "created_to"))
    if due_before is not None:
        where.append("i.due_date IS NOT NULL AND i.due_date < ?")
        args.append(_check_date(due_before, "due_before"))
    order = {
        "key": "p.key, i.number",
        "priority": "CASE i.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
        "ELSE 3 END, "
        "i.created_on, i.id",
        "created": "i.created_on, i.id",
        "updated": "i.updated_on DESC, i.id",
    }.get(sort)
    if order is None:
        raise ValueError("sort must be one of key, priority, created, updated")
    base = "FROM issues i JOIN projects p ON p.id = i.project_id"
    if where:
        base += " WHERE " + " AND ".join(where)
    total = conn.execute("SELECT count(*) " + base, args).fetchone()[0]
    rows = conn.execute(
        f"SELECT i.id {base} ORDER BY {order} LIMIT ? OFFSET ?",
        [*args, max(0, min(limit, 200)), max(0, offset)],
    ).fetchall()
    return {"total": total, "offset": offset, "issues": [_issue_out(conn, r[0]) for r in rows]}


def get_issue(conn: sqlite3.Connection, issue_key: str) -> dict:
    """Get one issue with description, labels, comment count and total logged minutes.

    Args:
        issue_key: Issue key, e.g. "PAY-14".
    """
    row = _issue(conn, issue_key)
    out = _issue_out(conn, row["id"])
    out["description"] = row["description"]
    out["project"] = row["project_key"]
    out["comment_count"] = conn.execute(
        "SELECT count(*) FROM comments WHERE issue_id = ?", (row["id"],)
    ).fetchone()[0]
    out["logged_minutes"] = conn.execute(
        "SELECT coalesce(sum(minutes), 0) FROM time_logs WHERE issue_id = ?", (row["id"],)
    ).fetchone()[0]
    out["allowed_transitions"] = list(TRANSITIONS[row["status"]])
    return out


def create_issue(
    conn: sqlite3.Connection,
    project_key: str,
    title: str,
    type: IssueType,
    priority: IssuePriority,
    reporter_id: int,
    description: str = "",
    story_points: int | None = None,
    assignee_id: int | None = None,
    sprint_id: int | None = None,
    milestone_id: int | None = None,
    due_date: str | None = None,
) -> dict:
    """Create an issue (status "backlog", or "todo" when placed in a sprint) and return it with its new key.

    Args:
        project_key: Project key, e.g. "PAY".
        title: Short summary.
        type: bug, story, task or epic.
        priority: critical, high, medium or low.
        reporter_id: Active user filing the issue.
        description: Longer description.
        story_points: Estimate; one of 0, 1, 2, 3, 5, 8, 13, 21.
        assignee_id: Active member of the project's team.
        sprint_id: A planned or active sprint of the same project.
        milestone_id: An open milestone of the same project.
        due_date: Due date (YYYY-MM-DD).
    """
    p = _project(conn, project_key, writable=True)
    if not title.strip():
        raise ValueError("title must not be empty")
    if type not in ISSUE_TYPES or priority not in PRIORITIES:
        raise ValueError(f"type must be one of {ISSUE_TYPES} and priority one of {PRIORITIES}")
    _user(conn, reporter_id)
    _check_points(story_points)
    if assignee_id is not None:
        _check_assignee(conn, p["team_id"], assignee_id)
    if sprint_id is not None:
        s = _sprint(conn, sprint_id)
        if s["project_id"] != p["id"] or s["status"] == "closed":
            raise ValueError("sprint must be a planned or active sprint of the same project")
    if milestone_id is not None:
        m = _milestone(conn, milestone_id)
        if m["project_id"] != p["id"] or m["status"] != "open":
            raise ValueError("milestone must be an open milestone of the same project")
    if due_date is not None:
        _check_date(due_date, "due_date")
    today = _today(conn)
    number = p["next_number"]
    cur = conn.execute(
        "INSERT INTO issues (project_id, number, title, description, type, status, priority, story_points, "
        "reporter_id, assignee_id, sprint_id, milestone_id, due_date, created_on, updated_on) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["id"], number, title.strip(), description, type, "todo" if sprint_id else "backlog", priority,
            story_points, reporter_id, assignee_id, sprint_id, milestone_id, due_date, today, today,
        ),
    )  # fmt: skip
    conn.execute("UPDATE projects SET next_number = next_number + 1 WHERE id = ?", (p["id"],))
    _record(conn, int(cur.lastrowid), reporter_id, "created", None, "todo" if sprint_id else "backlog")
    return _issue_out(conn, int(cur.lastrowid))


def update_issue(
    conn: sqlite3.Connection,
    issue_key: str,
    changed_by: int,
    title: str | None = None,
    description: str | None = None,
    type: IssueType | None = None,
    priority: IssuePriority | None = None,
    story_points: int | None = None,
    due_date: str | None = None,
) -> dict:
    """Edit an issue's fields (only the ones given). Use transition_issue for status, assign_issue for
    assignee.

    Args:
        issue_key: Issue key.
        changed_by: Active user making the change (recorded in history).
        title: New title.
        description: New description.
        type: New type.
        priority: New priority.
        story_points: New estimate (0, 1, 2, 3, 5, 8, 13, 21).
        due_date: New due date (YYYY-MM-DD).
    """
    row = _issue(conn, issue_key, writable=True)
    _user(conn, changed_by)
    changes = {"title": title, "description": description, "type": type, "priority": priority,
               "story_points": story_points, "due_date": due_date}  # fmt: skip
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise ValueError("nothing to update: pass at least one field")
    if "type" in changes and changes["type"] not in ISSUE_TYPES:
        raise ValueError(f"type must be one of {ISSUE_TYPES}")
    if "priority" in changes and changes["priority"] not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES}")
    if "title" in changes and not str(changes["title"]).strip():
        raise ValueError("title must not be empty")
    _check_points(story_points)
    if due_date is not None:
        _check_date(due_date, "due_date")
    for field in ("title", "description", "type", "priority", "story_points", "due_date"):
        if field in changes and changes[field] != row[field]:
            conn.execute(f"UPDATE issues SET {field} = ? WHERE id = ?", (changes[field], row["id"]))
            _record(conn, row["id"], changed_by, field, row[field], changes[field])
    return _issue_out(conn, row["id"])


def transition_issue(
    conn: sqlite3.Connection, issue_key: str, new_status: IssueStatus, changed_by: int
) -> dict:
    """Move an issue along the status workflow.

    Allowed moves: backlog→todo|cancelled; todo→in_progress|backlog|cancelled;
    in_progress→in_review|todo|cancelled; in_review→done|in_progress|cancelled; done→todo (reopen);
    cancelled→backlog. Starting work (in_progress) needs an assignee, and stories need a story-point
    estimate. Done sets the resolved date; reopening clears it.

    Args:
        issue_key: Issue key.
        new_status: Target status.
        changed_by: Active user making the change.
    """
    row = _issue(conn, issue_key, writable=True)
    _user(conn, changed_by)
    old = row["status"]
    if new_status not in STATUSES:
        raise ValueError(f"unknown status {new_status!r}")
    if new_status not in TRANSITIONS[old]:
        raise ValueError(
            f"{issue_key} cannot go from {old} to {new_status}; allowed next: {', '.join(TRANSITIONS[old])}"
        )
    if new_status == "in_progress":
        if row["assignee_id"] is None:
            raise ValueError(f"{issue_key} has no assignee; assign it before starting work")
        if row["type"] == "story" and row["story_points"] is None:
            raise ValueError(f"{issue_key} is a story without an estimate; set story_points first")
    resolved = _today(conn) if new_status == "done" else None
    conn.execute(
        "UPDATE issues SET status = ?, resolved_on = ? WHERE id = ?", (new_status, resolved, row["id"])
    )
    _record(conn, row["id"], changed_by, "status", old, new_status)
    return _issue_out(conn, row["id"])


def assign_issue(conn: sqlite3.Connection, issue_key: str, assignee_id: int | None, changed_by: int) -> dict:
    """Assign an issue to an active member of the owning project's team, or unassign it (assignee_id null).

    Args:
        issue_key: Issue key.
        assignee_id: New assignee, or null to unassign (not allowed while in_progress or in_review).
        changed_by: Active user making the change.
    """
    row = _issue(conn, issue_key, writable=True)
    _user(conn, changed_by)
    if assignee_id is None:
        if row["status"] in ("in_progress", "in_review"):
            raise ValueError(
                f"{issue_key} is {row['status']}; it needs an assignee (reassign instead of unassigning)"
            )
    else:
        _check_assignee(conn, row["team_id"], assignee_id)
    if row["assignee_id"] == assignee_id:
        raise ValueError(f"{issue_key} is already assigned to that user")
    conn.execute("UPDATE issues SET assignee_id = ? WHERE id = ?", (assignee_id, row["id"]))
    _record(conn, row["id"], changed_by, "assignee", row["assignee_id"], assignee_id)
    return _issue_out(conn, row["id"])


def move_issue_to_sprint(
    conn: sqlite3.Connection, issue_key: str, sprint_id: int | None, changed_by: int
) -> dict:
    """Put an open issue into a planned or active sprint of its project, or back to the backlog (sprint_id
    null).

    Args:
        issue_key: Issue key.
        sprint_id: Target sprint, or null to remove it from its sprint.
        changed_by: Active user making the change.
    """
    row = _issue(conn, issue_key, writable=True)
    _user(conn, changed_by)
    if row["status"] in CLOSED_STATUSES:
        raise ValueError(
            f"{issue_key} is {row['status']}; closed issues stay in the sprint they were closed in"
        )
    if sprint_id is not None:
        s = _sprint(conn, sprint_id)
        if s["project_id"] != row["project_id"]:
            raise ValueError(f"sprint {s['name']} belongs to another project")
        if s["status"] == "closed":
            raise ValueError(f"{s['name']} is closed; pick a planned or active sprint")
    if row["sprint_id"] == sprint_id:
        raise ValueError(f"{issue_key} is already there")
    conn.execute("UPDATE issues SET sprint_id = ? WHERE id = ?", (sprint_id, row["id"]))
    _record(conn, row["id"], changed_by, "sprint", row["sprint_id"], sprint_id)
    return _issue_out(conn, row["id"])


def set_issue_milestone(
    conn: sqlite3.Connection, issue_key: str, milestone_id: int | None, changed_by: int
) -> dict:
    """Put an issue into an open milestone of its project, or remove it from its milestone (milestone_id
    null).

    Args:
        issue_key: Issue key.
        milestone_id: Target open milestone, or null.
        changed_by: Active user making the change.
    """
    row = _issue(conn, issue_key, writable=True)
    _user(conn, changed_by)
    if milestone_id is not None:
        m = _milestone(conn, milestone_id)
        if m["project_id"] != row["project_id"]:
            raise ValueError(f"milestone {m['name']} belongs to another project")
        if m["status"] != "open":
            raise ValueError(f"milestone {m['name']} is closed")
    if row["milestone_id"] == milestone_id:
        raise ValueError(f"{issue_key} is already there")
    conn.execute("UPDATE issues SET milestone_id = ? WHERE id = ?", (milestone_id, row["id"]))
    _record(conn, row["id"], changed_by, "milestone", row["milestone_id"], milestone_id)
    return _issue_out(conn, row["id"])


def delete_issue(conn: sqlite3.Connection, issue_key: str) -> dict:
    """Permanently delete an issue filed by mistake. Only backlog or cancelled issues without logged time
    qualify.

    Args:
        issue_key: Issue key.
    """
    row = _issue(conn, issue_key, writable=True)
    if row["status"] not in ("backlog", "cancelled"):
        raise ValueError(f"{issue_key} is {row['status']}; only backlog or cancelled issues can be deleted")
    if conn.execute("SELECT 1 FROM time_logs WHERE issue_id = ?", (row["id"],)).fetchone():
        raise ValueError(f"{issue_key} has logged time; cancel it instead of deleting it")
    conn.execute("DELETE FROM issues WHERE id = ?", (row["id"],))
    return {"deleted": issue_key}


def get_issue_history(conn: sqlite3.Connection, issue_key: str) -> list:
    """List the recorded changes of an issue (status, assignee, sprint, milestone, fields), oldest first.

    Args:
        issue_key: Issue key.
    """
    row = _issue(conn, issue_key)
    return [
        dict(r)
        for r in conn.execute(
            "SELECT h.changed_on, u.name AS changed_by, h.field, h.old_value, h.new_value FROM "
            "issue_history h "
            "LEFT JOIN users u ON u.id = h.changed_by WHERE h.issue_id = ? ORDER BY h.id",
            (row["id"],),
        )
    ]


# ---------------------------------------------------------------- labels and comments


def list_labels(conn: sqlite3.Connection, project_key: str) -> list:
    """List a project's labels with how many issues carry each.

    Args:
        project_key: Project key.
    """
    p = _project(conn, project_key)
    return [
        dict(r)
        for r in conn.execute(
            "SELECT l.id, l.name, l.color, count(il.issue_id) AS issues FROM labels l "
            "LEFT JOIN issue_labels il ON il.label_id = l.id WHERE l.project_id = ? GROUP BY l.id "
            "ORDER BY l.name",
            (p["id"],),
        )
    ]


def create_label(conn: sqlite3.Connection, project_key: str, name: str, color: str) -> dict:
    """Create a label in a project.

    Args:
        project_key: Project key.
        name: Label name (lowercase words joined by dashes, e.g. "tech-debt"); unique per project.
        color: Hex colour like "#d97706" (lowercase).
    """
    p = _project(conn, project_key, writable=True)
    name = name.strip().lower()
    if not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", name):
        raise ValueError(f"label names are lowercase words joined by dashes, got {name!r}")
    color = color.strip().lower()
    if not re.match(COLOR_PATTERN, color):
        raise ValueError(f"color must look like #d97706, got {color!r}")
    if conn.execute("SELECT 1 FROM labels WHERE project_id = ? AND name = ?", (p["id"], name)).fetchone():
        raise ValueError(f"{p['key']} already has a label {name!r}")
    cur = conn.execute(
        "INSERT INTO labels (project_id, name, color) VALUES (?, ?, ?)", (p["id"], name, color)
    )
    return {"id": int(cur.lastrowid), "project": p["key"], "name": name, "color": color}


def add_label(conn: sqlite3.Connection, issue_key: str, label: str) -> dict:
    """Attach an existing label of the issue's project to the issue.

    Args:
        issue_key: Issue key.
        label: Label name (must exist in the project; see list_labels / create_label).
    """
    row = _issue(conn, issue_key, writable=True)
    lab = conn.execute(
        "SELECT id FROM labels WHERE project_id = ? AND name = lower(?)", (row["project_id"], label.strip())
    ).fetchone()
    if lab is None:
        raise ValueError(f"project {row['project_key']} has no label {label!r}; create it with create_label")
    if conn.execute(
        "SELECT 1 FROM issue_labels WHERE issue_id = ? AND label_id = ?", (row["id"], lab[0])
    ).fetchone():
        raise ValueError(f"{issue_key} already has label {label!r}")
    conn.execute("INSERT INTO issue_labels (issue_id, label_id) VALUES (?, ?)", (row["id"], lab[0]))
    return _issue_out(conn, row["id"])


def remove_label(conn: sqlite3.Connection, issue_key: str, label: str) -> dict:
    """Detach a label from an issue.

    Args:
        issue_key: Issue key.
        label: Label name.
    """
    row = _issue(conn, issue_key, writable=True)
    cur = conn.execute(
        "DELETE FROM issue_labels WHERE issue_id = ? AND label_id IN "
        "(SELECT id FROM labels WHERE project_id = ? AND name = lower(?))",
        (row["id"], row["project_id"], label.strip()),
    )
    if cur.rowcount == 0:
        raise ValueError(f"{issue_key} has no label {label!r}")
    return _issue_out(conn, row["id"])


def list_comments(conn: sqlite3.Connection, issue_key: str) -> list:
    """List an issue's comments, oldest first.

    Args:
        issue_key: Issue key.
    """
    row = _issue(conn, issue_key)
    return [
        dict(r)
        for r in conn.execute(
            "SELECT c.id, u.name AS author, c.body, c.created_on FROM comments c JOIN users u ON "
            "u.id = c.author_id "
            "WHERE c.issue_id = ? ORDER BY c.created_on, c.id",
            (row["id"],),
        )
    ]


def add_comment(conn: sqlite3.Connection, issue_key: str, author_id: int, body: str) -> dict:
    """Add a comment to an issue (dated today).

    Args:
        issue_key: Issue key.
        author_id: Active user writing the comment.
        body: Comment text (not empty).
    """
    row = _issue(conn, issue_key, writable=True)
    _user(conn, author_id)
    if not body.strip():
        raise ValueError("comment body must not be empty")
    today = _today(conn)
    cur = conn.execute(
        "INSERT INTO comments (issue_id, author_id, body, created_on) VALUES (?, ?, ?, ?)",
        (row["id"], author_id, body.strip(), today),
    )
    conn.execute("UPDATE issues SET updated_on = ? WHERE id = ?", (today, row["id"]))
    return {"id": int(cur.lastrowid), "issue": issue_key.upper(), "author_id": author_id, "body":
    body.strip(), "created_on": today}  # fmt: skip


# ---------------------------------------------------------------- time tracking


def log_time(
    conn: sqlite3.Connection, issue_key: str, user_id: int, minutes: int, log_date: str, note: str = ""
) -> dict:
    """Log work time on an issue.

    Rules: the user must be active and in the team owning the project; cancelled issues take no time; minutes
    between 1 and 1440, at most 1440 per user per day; the date may not be in the future or in a closed
    timesheet period (before the 1st of the current month).

    Args:
        issue_key: Issue key.
        user_id: Who did the work.
        minutes: Duration in minutes (e.g. 150 for 2h30).
        log_date: Day the work was done (YYYY-MM-DD).
        note: What was done.
    """
    row = _issue(conn, issue_key, writable=True)
    user = _user(conn, user_id)
    _check_date(log_date, "log_date")
    if row["status"] == "cancelled":
        raise ValueError(f"{issue_key} is cancelled; time cannot be logged on it")
    if not _is_member(conn, row["team_id"], user_id):
        raise ValueError(f"{user['name']} is not in the team that owns {row['project_key']}")
    if not 1 <= minutes <= 1440:
        raise ValueError("minutes must be between 1 and 1440")
    if log_date > _today(conn):
        raise ValueError(f"log_date {log_date} is in the future")
    if log_date < _timesheet_lock(conn):
        raise ValueError(
            f"timesheets before {_timesheet_lock(conn)} are closed; log_date {log_date} is too old"
        )
    day_total = conn.execute(
        "SELECT coalesce(sum(minutes), 0) FROM time_logs WHERE user_id = ? AND log_date = ?",
        (user_id, log_date),
    ).fetchone()[0]
    if day_total + minutes > 1440:
        raise ValueError(f"{user['name']} would have more than 24h logged on {log_date}")
    cur = conn.execute(
        "INSERT INTO time_logs (issue_id, user_id, log_date, minutes, note) VALUES (?, ?, ?, ?, ?)",
        (row["id"], user_id, log_date, minutes, note),
    )
    return {"id": int(cur.lastrowid), "issue": f"{row['project_key']}-{row['number']}", "user": user["name"],
            "log_date": log_date, "minutes": minutes, "note": note}  # fmt: skip


def list_time_logs(
    conn: sqlite3.Connection,
    issue_key: str | None = None,
    user_id: int | None = None,
    project_key: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict:
    """List time log entries with filters; returns {"total", "total_minutes", "entries"}.

    Args:
        issue_key: Only entries on this issue.
        user_id: Only entries by this user.
        project_key: Only entries on issues of this project.
        date_from: On or after this date (YYYY-MM-DD).
        date_to: On or before this date (YYYY-MM-DD).
        limit: Page size (max 500).
        offset: Entries to skip.
    """
    where, args = [], []
    if issue_key is not None:
        where.append("t.issue_id = ?")
        args.append(_issue(conn, issue_key)["id"])
    if user_id is not None:
        where.append("t.user_id = ?")
        args.append(user_id)
    if project_key is not None:
        where.append("i.project_id = ?")
        args.append(_project(conn, project_key)["id"])
    if date_from is not None:
        where.append("t.log_date >= ?")
        args.append(_check_date(date_from, "date_from"))
    if date_to is not None:
        where.append("t.log_date <= ?")
        args.append(_check_date(date_to, "date_to"))
    base = "FROM time_logs t JOIN issues i ON i.id = t.issue_id JOIN projects p ON p.id = i.project_id"
    if where:
        base += " WHERE " + " AND ".join(where)
    total, minutes = conn.execute(f"SELECT count(*), coalesce(sum(t.minutes), 0) {base}", args).fetchone()
    rows = conn.execute(
        f"SELECT t.id, p.key || '-' || i.number AS issue, t.user_id, t.log_date, t.minutes, t.note {base} "
        "ORDER BY t.log_date, t.id LIMIT ? OFFSET ?",
        [*args, max(0, min(limit, 500)), max(0, offset)],
    ).fetchall()
    return {"total": total, "total_minutes": minutes, "entries": [dict(r) for r in rows]}


def delete_time_log(conn: sqlite3.Connection, time_log_id: int) -> dict:
    """Delete a mistaken time log entry. Entries in a closed timesheet period (before the 1st of the
    current month) cannot be deleted.

    Args:
        time_log_id: The entry id (see list_time_logs).
    """
    row = conn.execute("SELECT * FROM time_logs WHERE id = ?", (time_log_id,)).fetchone()
    if row is None:
        raise ValueError(f"no time log with id {time_log_id}")
    if row["log_date"] < _timesheet_lock(conn):
        raise ValueError(f"time log {time_log_id} is in a closed timesheet period and cannot be changed")
    conn.execute("DELETE FROM time_logs WHERE id = ?", (time_log_id,))
    return {"deleted": dict(row)}


def time_report(
    conn: sqlite3.Connection,
    group_by: Literal["user", "team", "project", "issue"],
    date_from: str | None = None,
    date_to: str | None = None,
    project_key: str | None = None,
    team: str | None = None,
) -> list:
    """Sum logged time, grouped by user, team, project or issue. "team" means the team that owns the
    project the time was logged against. Each row has minutes and hours (2 decimals), biggest first.

    Args:
        group_by: "user", "team", "project" or "issue".
        date_from: On or after this date (YYYY-MM-DD).
        date_to: On or before this date (YYYY-MM-DD).
        project_key: Only time on this project.
        team: Only time on projects owned by this team.
    """
    group = {
        "user": "u.name",
        "team": "tm.name",
        "project": "p.key",
        "issue": "p.key || '-' || i.number",
    }.get(group_by)
    if group is None:
        raise ValueError("group_by must be user, team, project or issue")
    where, args = [], []
    if date_from is not None:
        where.append("t.log_date >= ?")
        args.append(_check_date(date_from, "date_from"))
    if date_to is not None:
        where.append("t.log_date <= ?")
        args.append(_check_date(date_to, "date_to"))
    if project_key is not None:
        where.append("p.id = ?")
        args.append(_project(conn, project_key)["id"])
    if team is not None:
        where.append("p.team_id = ?")
        args.append(_team(conn, team)["id"])
    sql = (
        f"SELECT {group} AS name, sum(t.minutes) AS minutes FROM time_logs t JOIN issues i ON i.id = "
        f"t.issue_id "
        "JOIN projects p ON p.id = i.project_id JOIN teams tm ON tm.id = p.team_id JOIN users u ON "
        "u.id = t.user_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " GROUP BY 1 ORDER BY 2 DESC, 1", args).fetchall()
    return [{group_by: r[0], "minutes": r[1], "hours": round(r[1] / 60, 2)} for r in rows]


# ---------------------------------------------------------------- milestones


def list_milestones(
    conn: sqlite3.Connection, project_key: str, status: Literal["open", "closed"] | None = None
) -> list:
    """List a project's milestones with open/closed issue counts.

    Args:
        project_key: Project key.
        status: "open" or "closed".
    """
    p = _project(conn, project_key)
    sql = (
        "SELECT m.id, m.name, m.due_date, m.status, m.closed_on, "
        "sum(CASE WHEN i.status IN ('backlog','todo','in_progress','in_review') THEN 1 ELSE 0 END) "
        "AS open_issues, "
        "sum(CASE WHEN i.status IN ('done','cancelled') THEN 1 ELSE 0 END) AS closed_issues "
        "FROM milestones m LEFT JOIN issues i ON i.milestone_id = m.id WHERE m.project_id = ?"
    )
    args: list = [p["id"]]
    if status is not None:
        sql += " AND m.status = ?"
        args.append(status)
    rows = conn.execute(sql + " GROUP BY m.id ORDER BY m.due_date", args).fetchall()
    return [
        dict(r) | {"open_issues": r["open_issues"] or 0, "closed_issues": r["closed_issues"] or 0}
        for r in rows
    ]


def create_milestone(conn: sqlite3.Connection, project_key: str, name: str, due_date: str) -> dict:
    """Create an open milestone (release) in a project.

    Args:
        project_key: Project key.
        name: Milestone name, unique in the project (e.g. "v2.5").
        due_date: Target date (YYYY-MM-DD).
    """
    p = _project(conn, project_key, writable=True)
    _check_date(due_date, "due_date")
    if conn.execute("SELECT 1 FROM milestones WHERE project_id = ? AND name = ?", (p["id"], name)).fetchone():
        raise ValueError(f"{p['key']} already has a milestone named {name!r}")
    cur = conn.execute(
        "INSERT INTO milestones (project_id, name, due_date, status) VALUES (?, ?, ?, 'open')",
        (p["id"], name.strip(), due_date),
    )
    return dict(_milestone(conn, int(cur.lastrowid)))


def close_milestone(conn: sqlite3.Connection, milestone_id: int) -> dict:
    """Close (ship) a milestone. Refused while any of its issues is still open: finish them or move them to
    another milestone first.

    Args:
        milestone_id: The milestone to close.
    """
    m = _milestone(conn, milestone_id)
    if m["status"] != "open":
        raise ValueError(f"milestone {m['name']} is already closed")
    open_keys = [
        r[0]
        for r in conn.execute(
            "SELECT p.key || '-' || i.number FROM issues i JOIN projects p ON p.id = i.project_id "
            "WHERE i.milestone_id = ? AND i.status IN (?, ?, ?, ?) ORDER BY i.number",
            (milestone_id, *OPEN_STATUSES),
        )
    ]
    if open_keys:
        raise ValueError(f"milestone {m['name']} still has open issues: {', '.join(open_keys)}")
    conn.execute(
        "UPDATE milestones SET status = 'closed', closed_on = ? WHERE id = ?", (_today(conn), milestone_id)
    )
    return dict(_milestone(conn, milestone_id))
