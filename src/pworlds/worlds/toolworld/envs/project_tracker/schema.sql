-- Software project tracker: teams own projects; projects have sprints, milestones, labels and issues;
-- issues carry comments, time logs, labels and an audit history of field changes.
-- All dates are ISO strings (YYYY-MM-DD). Durations are integer minutes.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    joined_on   TEXT NOT NULL
);

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE team_members (
    team_id   INTEGER NOT NULL REFERENCES teams(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    role      TEXT NOT NULL CHECK (role IN ('lead', 'member')),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE projects (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE CHECK (key GLOB '[A-Z]*'),
    name         TEXT NOT NULL UNIQUE,
    team_id      INTEGER NOT NULL REFERENCES teams(id),
    status       TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    next_number  INTEGER NOT NULL DEFAULT 1 CHECK (next_number >= 1)
);

CREATE TABLE sprints (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    goal        TEXT NOT NULL DEFAULT '',
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('planned', 'active', 'closed')),
    completed_points INTEGER,
    UNIQUE (project_id, name),
    CHECK (end_date > start_date)
);

CREATE TABLE milestones (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_on   TEXT,
    UNIQUE (project_id, name)
);

CREATE TABLE issues (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    number        INTEGER NOT NULL CHECK (number >= 1),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    type          TEXT NOT NULL CHECK (type IN ('bug', 'story', 'task', 'epic')),
    status        TEXT NOT NULL CHECK (status IN ('backlog', 'todo', 'in_progress', 'in_review', 'done', 'cancelled')),
    priority      TEXT NOT NULL CHECK (priority IN ('critical', 'high', 'medium', 'low')),
    story_points  INTEGER CHECK (story_points IS NULL OR story_points IN (0, 1, 2, 3, 5, 8, 13, 21)),
    reporter_id   INTEGER NOT NULL REFERENCES users(id),
    assignee_id   INTEGER REFERENCES users(id),
    sprint_id     INTEGER REFERENCES sprints(id),
    milestone_id  INTEGER REFERENCES milestones(id),
    due_date      TEXT,
    created_on    TEXT NOT NULL,
    updated_on    TEXT NOT NULL,
    resolved_on   TEXT,
    UNIQUE (project_id, number)
);

CREATE TABLE labels (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    color       TEXT NOT NULL CHECK (color GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
    UNIQUE (project_id, name)
);

CREATE TABLE issue_labels (
    issue_id  INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    label_id  INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    issue_id    INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users(id),
    body        TEXT NOT NULL CHECK (length(body) > 0),
    created_on  TEXT NOT NULL
);

CREATE TABLE time_logs (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES issues(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    log_date   TEXT NOT NULL,
    minutes    INTEGER NOT NULL CHECK (minutes > 0 AND minutes <= 1440),
    note       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE issue_history (
    id          INTEGER PRIMARY KEY,
    issue_id    INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    changed_by  INTEGER REFERENCES users(id),
    field       TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    changed_on  TEXT NOT NULL
);

CREATE INDEX idx_issues_project_status ON issues (project_id, status);
CREATE INDEX idx_issues_assignee ON issues (assignee_id);
CREATE INDEX idx_time_logs_issue ON time_logs (issue_id);
CREATE INDEX idx_history_issue ON issue_history (issue_id);
