"""Episodes over an in-memory SQLite image: microsecond resets, one transaction per call, cheap DB diffs.

How the pieces fit:

* ``build_image`` runs schema.sql + seed.sql once per env, adds a changelog table and per-table
  triggers, and keeps ``conn.serialize()`` bytes. ``Episode`` gets a private copy with ``deserialize``.
* Every call runs in its own transaction (``SAVEPOINT`` … ``RELEASE``, under a secret name); any exception, timeout or
  constraint violation (including deferred ones at commit) rolls the whole call back.
* The triggers record each changed row (before/after, as JSON) into ``_pw_changelog``; after the call the
  log is folded into a net diff (rows inserted / updated / deleted per table) and cleared in the same
  transaction, so the table is always empty at rest.
* The content hash is a multiset hash (sum of sha256 of every row, mod 2**256), updated from the diff in
  O(changed rows): a content hash of the whole DB per step without reading the DB.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pworlds.worlds.toolworld.guard import (
    SAVEPOINT_CALL,
    CallTimeout,
    Deadline,
    time_limit,
    tool_authorizer,
)

CHANGELOG = "_pw_changelog"
_MOD = 1 << 256
Authorizer = Callable[[int, Any, Any, Any, Any], int]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def split_sql(text: str) -> list[tuple[int, str]]:
    """Split a script into complete statements, each with the line it starts on (1-based)."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 1
    for lineno, line in enumerate(text.splitlines(keepends=True), 1):
        if not buf:
            if not line.strip() or line.strip().startswith("--"):
                continue
            start = lineno
        buf.append(line)
        stmt = "".join(buf)
        if sqlite3.complete_statement(stmt):
            out.append((start, stmt.strip()))
            buf = []
    if buf and "".join(buf).strip():
        out.append((start, "".join(buf).strip()))
    return out


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[str, ...]
    rowid: bool
    pk: tuple[str, ...]

    def row_json_sql(self, prefix: str = "") -> str:
        """SQL for the row as a JSON array (blobs as hex text so json_array never fails)."""
        cols = (f"{prefix}{quote(c)}" for c in self.columns)
        return (
            "json_array("
            + ", ".join(f"CASE WHEN typeof({c})='blob' THEN hex({c}) ELSE {c} END" for c in cols)
            + ")"
        )

    def key_sql(self, prefix: str) -> str:
        if self.rowid:
            return f"{prefix}rowid"
        return "json_array(" + ", ".join(f"{prefix}{quote(c)}" for c in self.pk) + ")"


def user_tables(conn: sqlite3.Connection) -> list[TableInfo]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '\\_pw\\_%' ESCAPE '\\' ORDER BY name"
    ).fetchall()
    tables = []
    for name, sql in rows:
        info = conn.execute(f"PRAGMA table_info({quote(name)})").fetchall()
        cols = tuple(r[1] for r in info)
        pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        without_rowid = "WITHOUT ROWID" in (sql or "").upper().replace("\n", " ")
        tables.append(TableInfo(name, cols, not without_rowid, pk))
    return tables


def install_changelog(conn: sqlite3.Connection, tables: list[TableInfo]) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {CHANGELOG} (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, "
        "k TEXT, old TEXT, new TEXT)"
    )
    for t in tables:
        lit = "'" + t.name.replace("'", "''") + "'"
        q = quote(t.name)
        ins = f"INSERT INTO {CHANGELOG}(tbl, k, old, new) VALUES"
        new, old = t.row_json_sql("NEW."), t.row_json_sql("OLD.")
        conn.executescript(
            f"""
            CREATE TRIGGER {quote("_pw_i_" + t.name)} AFTER INSERT ON {q} BEGIN
              {ins} ({lit}, {t.key_sql("NEW.")}, NULL, {new}); END;
            CREATE TRIGGER {quote("_pw_d_" + t.name)} AFTER DELETE ON {q} BEGIN
              {ins} ({lit}, {t.key_sql("OLD.")}, {old}, NULL); END;
            CREATE TRIGGER {quote("_pw_u_" + t.name)} AFTER UPDATE ON {q} BEGIN
              {ins} ({lit}, {t.key_sql("OLD.")}, {old}, NULL);
              {ins} ({lit}, {t.key_sql("NEW.")}, NULL, {new}); END;
            """
        )


def row_hash(table: str, row_json: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{table}\x00{row_json}".encode()).digest(), "big")


def content_hash(conn: sqlite3.Connection, tables: list[TableInfo]) -> int:
    """Multiset hash of every row of every user table (the same encoding the triggers use)."""
    total = 0
    for t in tables:
        for (row_json,) in conn.execute(f"SELECT {t.row_json_sql()} FROM {quote(t.name)}"):
            total = (total + row_hash(t.name, row_json)) % _MOD
    return total


@dataclass(frozen=True)
class EnvImage:
    """The seeded DB of an env as bytes, plus what diffs and hashes need to know about its tables."""

    data: bytes
    tables: tuple[TableInfo, ...]
    initial_hash: int

    @property
    def columns(self) -> dict[str, tuple[str, ...]]:
        return {t.name: t.columns for t in self.tables}


def image_from_connection(conn: sqlite3.Connection) -> EnvImage:
    """Instrument a built DB (schema + seed applied) and snapshot it."""
    tables = user_tables(conn)
    install_changelog(conn, tables)
    return EnvImage(conn.serialize(), tuple(tables), content_hash(conn, tables))


def open_image(
    data: bytes, *, readonly: bool = False, authorizer: Authorizer | None = None
) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    conn.deserialize(data)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")
    conn.row_factory = sqlite3.Row
    if authorizer is not None:
        conn.set_authorizer(authorizer)
    if readonly:
        conn.execute("PRAGMA query_only = ON") if authorizer is None else None
    return conn


def to_json_value(value: Any) -> Any:
    """Tool results as plain JSON values (rows become dicts); raise TypeError for anything else."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, sqlite3.Row):
        return {k: to_json_value(value[k]) for k in value.keys()}  # noqa: SIM118
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, _dt.date | _dt.datetime | _dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"tool returned a value of type {type(value).__name__}, which is not JSON")


@dataclass
class CallOutcome:
    ok: bool
    result: Any = None
    error: str | None = None
    diff: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


class Episode:
    """One independent in-memory database and its running content hash."""

    def __init__(
        self, image: EnvImage, *, data: bytes | None = None, authorizer: Authorizer = tool_authorizer
    ) -> None:
        self.image = image
        self.conn = open_image(image.data if data is None else data, authorizer=authorizer)
        self.deadline = Deadline()
        self.deadline.install(self.conn)
        self.hash = image.initial_hash if data is None else content_hash(self.conn, list(image.tables))
        self._columns = image.columns
        self._begin = f"SAVEPOINT {SAVEPOINT_CALL}"
        self._commit = f"RELEASE {SAVEPOINT_CALL}"
        self._rollback = f"ROLLBACK TO {SAVEPOINT_CALL}"

    @property
    def hash_hex(self) -> str:
        return f"{self.hash:064x}"

    def call(
        self, fn: Callable[..., Any], arguments: Mapping[str, Any], timeout_s: float | None
    ) -> CallOutcome:
        """Run ``fn(conn, **arguments)`` as one transaction; never leaves the DB half-changed."""
        conn = self.conn
        conn.execute(self._begin)
        before = conn.total_changes
        try:
            with time_limit(timeout_s, self.deadline):
                result = to_json_value(fn(conn, **arguments))
            if conn.total_changes != before:
                diff, delta = self._collect()
            else:
                diff, delta = {}, 0
            conn.execute(self._commit)
        except (Exception, CallTimeout) as exc:
            self._abort()
            return CallOutcome(False, error=_describe(exc))
        self.hash = (self.hash + delta) % _MOD
        return CallOutcome(True, result, diff=diff)

    def _abort(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute(self._rollback)
                self.conn.execute(self._commit)
        except sqlite3.Error:  # pragma: no cover - rollback of a broken transaction
            pass

    def _collect(self) -> tuple[dict[str, dict[str, list[Any]]], int]:
        # one statement reads and clears the log; RETURNING order is unspecified, so sort by seq
        rows = sorted(
            self.conn.execute(f"DELETE FROM {CHANGELOG} RETURNING seq, tbl, k, old, new").fetchall(),
            key=_first,
        )
        first: dict[tuple[str, str], str | None] = {}
        last: dict[tuple[str, str], str | None] = {}
        for _seq, tbl, k, old, new in rows:
            key = (tbl, str(k))
            if key not in first:
                first[key] = old
            last[key] = new
        diff: dict[str, dict[str, list[Any]]] = {}
        delta = 0
        for key, before in first.items():
            after = last[key]
            if before == after:
                continue
            tbl = key[0]
            cols = self._columns.get(tbl, ())
            entry = diff.setdefault(tbl, {"inserted": [], "updated": [], "deleted": []})
            if before is not None:
                delta -= row_hash(tbl, before)
            if after is not None:
                delta += row_hash(tbl, after)
            if before is None:
                entry["inserted"].append(dict(zip(cols, json.loads(after or "[]"), strict=False)))
            elif after is None:
                entry["deleted"].append(dict(zip(cols, json.loads(before), strict=False)))
            else:
                entry["updated"].append(
                    {
                        "before": dict(zip(cols, json.loads(before), strict=False)),
                        "after": dict(zip(cols, json.loads(after), strict=False)),
                    }
                )
        return diff, delta

    def serialize(self) -> bytes:
        return self.conn.serialize()

    def snapshot(self) -> sqlite3.Connection:
        """A read-only copy of the current DB (for verifiers), independent of the episode."""
        from pworlds.worlds.toolworld.guard import readonly_authorizer

        return open_image(self.conn.serialize(), authorizer=readonly_authorizer)

    def close(self) -> None:
        self.conn.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, CallTimeout):
        return f"the call {exc}" if str(exc) else "the call timed out"
    if isinstance(exc, sqlite3.IntegrityError):
        return f"constraint violation: {exc}"
    if isinstance(exc, sqlite3.DatabaseError) and "not authorized" in str(exc):
        return f"forbidden SQL: {exc}"
    message = str(exc) or type(exc).__name__
    return message if isinstance(exc, ValueError) else f"{type(exc).__name__}: {message}"


def net_diff(
    initial: sqlite3.Connection, final: sqlite3.Connection, tables: tuple[TableInfo, ...]
) -> dict[str, Any]:
    """Rows only in the initial DB (``removed``) and only in the final DB (``added``), per table.

    An updated row shows up as one removed and one added row; used by the hybrid judge and ``verify``.
    """
    out: dict[str, Any] = {}
    for t in tables:
        sql = f"SELECT {t.row_json_sql()} FROM {quote(t.name)}"
        before = [r[0] for r in initial.execute(sql)]
        after = [r[0] for r in final.execute(sql)]
        before_set, after_set = set(before), set(after)
        removed = [dict(zip(t.columns, json.loads(r), strict=False)) for r in before if r not in after_set]
        added = [dict(zip(t.columns, json.loads(r), strict=False)) for r in after if r not in before_set]
        if removed or added:
            out[t.name] = {"removed": removed, "added": added}
    return out


def _first(row: Any) -> Any:
    return row[0]
