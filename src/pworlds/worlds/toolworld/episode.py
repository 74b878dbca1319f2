"""Episodes over an in-memory SQLite image: microsecond resets, one transaction per call, cheap DB diffs.

How the pieces fit:

* ``build_image`` runs schema.sql + seed.sql once per env, adds three small triggers per table and keeps
  ``conn.serialize()`` bytes. ``Episode`` gets a private copy with ``deserialize``.
* Every call runs in its own transaction (``SAVEPOINT`` … ``RELEASE``, under a secret name); any exception,
  timeout or constraint violation (including deferred ones at commit) rolls the whole call back.
* One-line triggers call ``_pw_log`` (a Python function registered on each episode connection) with the
  key of each row about to change; the function reads the row's old values once per call. After the call
  the first old value per row is compared with the row as it is now, giving a net diff (rows inserted /
  updated / deleted per table). Nothing is written to the database for bookkeeping.
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
from functools import cached_property
from typing import Any

import orjson

from psignal.jsontext import reusable_encoder
from pworlds.worlds.toolworld.guard import (
    SAVEPOINT_CALL,
    CallTimeout,
    Deadline,
    time_limit,
    tool_authorizer,
)

_MOD = 1 << 256
POOL_SIZE = 4
"""Rewound connections kept per image for new episodes (each ≈ the image size plus a small cache)."""
_ENCODE = reusable_encoder(separators=(",", ":"), default=bytes.hex)
"""Rows hold only None/int/float/str/bytes; the C encoder calls ``default`` for bytes alone (hex)."""
_PLAIN = frozenset({type(None), bool, int, float, str})
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
    generated: tuple[bool, ...] = ()
    """Per column: True for generated columns (read by SELECT *, never written)."""

    @cached_property
    def delete_sql(self) -> str:
        return "DELETE" + self.fetch_sql[len("SELECT *") :]

    @cached_property
    def restore_sql(self) -> str:
        """INSERT of a whole row as SELECT * returned it (rowid first for rowid tables)."""
        cols = [
            quote(c)
            for c, g in zip(self.columns, self.generated or [False] * len(self.columns), strict=True)
            if not g
        ]
        if self.rowid:
            cols = ["rowid", *cols]
        return f"INSERT INTO {quote(self.name)} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"

    @cached_property
    def _update_sql(self) -> dict[tuple[int, ...], str]:
        return {}

    def update_sql(self, changed: tuple[int, ...]) -> str:
        """UPDATE of the given columns (indexes into ``columns``) of one row, by key.

        Only the columns that differ: unchanged indexed, key or FK columns then cost no index or
        foreign-key work. Cached per column set (a handful per table in practice).
        """
        sql = self._update_sql.get(changed)
        if sql is None:
            sets = ", ".join(f"{quote(self.columns[i])} = ?" for i in changed)
            sql = f"UPDATE {quote(self.name)} SET {sets}" + self.fetch_sql[self.fetch_sql.index(" WHERE ") :]
            self._update_sql[changed] = sql
        return sql

    @cached_property
    def writable(self) -> tuple[int, ...]:
        """Indexes of the columns an UPDATE can set (all but generated ones)."""
        return tuple(i for i in range(len(self.columns)) if not (self.generated and self.generated[i]))

    def changed_columns(self, current: tuple[Any, ...], target: tuple[Any, ...]) -> tuple[int, ...]:
        """Writable columns whose value (or storage type) differs between two rows of this table."""
        return tuple(
            i
            for i in self.writable
            if (a := current[i]) != (b := target[i]) or type(a) is not type(b)  # 1 vs 1.0 differ
        )

    def restore_params(self, key: Any, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = tuple(v for v, g in zip(row, self.generated or [False] * len(row), strict=True) if not g)
        return (key, *values) if self.rowid else values

    @cached_property
    def select_sql(self) -> str:
        return f"SELECT * FROM {quote(self.name)}"

    @cached_property
    def fetch_sql(self) -> str:
        """One row by key (rowid, or the primary key of a WITHOUT ROWID table)."""
        if self.rowid:
            return f"SELECT * FROM {quote(self.name)} WHERE rowid = ?"
        return f"SELECT * FROM {quote(self.name)} WHERE " + " AND ".join(f"{quote(c)} = ?" for c in self.pk)

    def key_params(self, key: Any) -> tuple[Any, ...]:
        """A logged key as the parameters of ``fetch_sql``/``delete_sql`` (the triggers log a rowid, or
        the primary key of a WITHOUT ROWID table as a JSON array)."""
        return (key,) if self.rowid else tuple(json.loads(key))

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
        info = [r for r in conn.execute(f"PRAGMA table_xinfo({quote(name)})").fetchall() if r[6] != 1]
        cols = tuple(r[1] for r in info)
        pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        without_rowid = "WITHOUT ROWID" in " ".join((sql or "").upper().split())
        generated = tuple(r[6] in (2, 3) for r in info)
        tables.append(TableInfo(name, cols, not without_rowid, pk, generated))
    return tables


TRIGGER_PREFIX = "_pw_"
LOG_FUNCTION = "_pw_log"


def install_triggers(conn: sqlite3.Connection, tables: list[TableInfo] | tuple[TableInfo, ...]) -> None:
    """Per table, three one-line triggers that report ``(table, key, fetch)`` to ``_pw_log``.

    BEFORE UPDATE/DELETE triggers ask the runtime to read the row while it still holds its old values;
    AFTER INSERT marks the key as new (an UPDATE reports its new key only when the key changes: one
    Python callback per updated row). No column lists: the triggers stay tiny, because every episode
    connection parses them (time at the first statement, and schema memory).
    """
    fn = LOG_FUNCTION
    for t in tables:
        lit = "'" + t.name.replace("'", "''") + "'"
        q = quote(t.name)
        conn.executescript(
            f"""
            CREATE TRIGGER {quote(TRIGGER_PREFIX + "i_" + t.name)} AFTER INSERT ON {q}
              BEGIN SELECT {fn}({lit}, {t.key_sql("NEW.")}, 0); END;
            CREATE TRIGGER {quote(TRIGGER_PREFIX + "d_" + t.name)} BEFORE DELETE ON {q}
              BEGIN SELECT {fn}({lit}, {t.key_sql("OLD.")}, 1); END;
            CREATE TRIGGER {quote(TRIGGER_PREFIX + "u_" + t.name)} BEFORE UPDATE ON {q}
              BEGIN SELECT {fn}({lit}, {t.key_sql("OLD.")}, 1), CASE WHEN {t.key_sql("NEW.")} IS NOT
                {t.key_sql("OLD.")} THEN {fn}({lit}, {t.key_sql("NEW.")}, 1) END; END;
            """
        )


def drop_triggers(conn: sqlite3.Connection) -> None:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE '\\_pw\\_%' ESCAPE '\\'"
        )
    ]
    for name in names:
        conn.execute(f"DROP TRIGGER {quote(name)}")


def has_triggers(conn: sqlite3.Connection) -> bool:
    sql = "SELECT 1 FROM sqlite_master WHERE type='trigger' AND name LIKE '\\_pw\\_%' ESCAPE '\\' LIMIT 1"
    return conn.execute(sql).fetchone() is not None


def encode_row(values: tuple[Any, ...] | list[Any]) -> str:
    """The canonical text of a row (what the content hash is taken over): a JSON array, blobs as hex."""
    return _ENCODE(values)


def row_hash(table: str, encoded: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{table}\x00{encoded}".encode()).digest(), "big")


def content_hash(conn: sqlite3.Connection, tables: list[TableInfo] | tuple[TableInfo, ...]) -> int:
    """Multiset hash of every row of every user table: sum of sha256 per row, mod 2**256."""
    total = 0
    cur = conn.cursor()
    cur.row_factory = None
    for t in tables:
        for row in cur.execute(t.select_sql):
            total = (total + row_hash(t.name, encode_row(row))) % _MOD
    return total


@dataclass(frozen=True)
class EnvImage:
    """The seeded DB of an env as bytes, plus what diffs and hashes need to know about its tables."""

    data: bytes
    tables: tuple[TableInfo, ...]
    initial_hash: int
    sequences: tuple[tuple[str, int], ...] | None = None
    """Initial ``sqlite_sequence`` rows (AUTOINCREMENT counters), None when there is no such table."""
    rewindable: bool = True
    """False when the env has its own triggers (they would fire while ``Episode.rewind`` restores rows)."""
    pool: list[EpisodeConnection] = field(default_factory=list, compare=False, repr=False)
    """Connections of closed episodes, rewound to the image with their schema already parsed (see
    ``Episode.close``); a new episode takes one instead of paying SQLite's schema parse again."""

    @property
    def columns(self) -> dict[str, tuple[str, ...]]:
        return {t.name: t.columns for t in self.tables}


def image_from_connection(conn: sqlite3.Connection) -> EnvImage:
    """Instrument a built DB (schema + seed applied) and snapshot it."""
    tables = user_tables(conn)
    own_triggers = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]
    install_triggers(conn, tables)
    conn.execute("VACUUM")  # no free pages in the image every episode copies
    has_seq = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone()
    sequences = tuple(conn.execute("SELECT name, seq FROM sqlite_sequence")) if has_seq else None
    return EnvImage(conn.serialize(), tuple(tables), content_hash(conn, tables), sequences, own_triggers == 0)


def strip_instrumentation(data: bytes) -> bytes:
    """The DB without pworlds' triggers: plain data for ``db.sqlite`` that any SQLite client can edit."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.deserialize(data)
        drop_triggers(conn)
        return conn.serialize()
    finally:
        conn.close()


class _Hooks:
    """The two callbacks SQLite holds for an episode connection, pointing at the episode that owns it.

    Registering a function or an authorizer expires every prepared statement of the connection, so a
    pooled connection keeps these registered for good and a new owner only re-points them: its first
    calls then run the tool statements the last owner compiled.
    """

    __slots__ = ("authorize", "record")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.record: Callable[[str, Any, int], None] = _unowned
        self.authorize: Authorizer = _deny_all
        conn.create_function(LOG_FUNCTION, 3, self.log)
        conn.set_authorizer(self.check)

    def log(self, table: str, key: Any, fetch: int) -> None:
        self.record(table, key, fetch)

    def check(self, action: int, arg1: Any, arg2: Any, db: Any, trigger: Any) -> int:
        return self.authorize(action, arg1, arg2, db, trigger)


def _unowned(table: str, key: Any, fetch: int) -> None:
    raise sqlite3.ProgrammingError("the episode owning this connection is closed")


def _deny_all(action: int, arg1: Any, arg2: Any, db: Any, trigger: Any) -> int:
    return sqlite3.SQLITE_DENY


class EpisodeConnection(sqlite3.Connection):
    """A connection that carries its ``_Hooks`` (None until an episode first owns it)."""

    hooks: _Hooks | None = None


_CLOSED = sqlite3.connect(":memory:", factory=EpisodeConnection)
_CLOSED.close()  # what a closed episode points at: any use raises "Cannot operate on a closed database"


def open_image(data: bytes, *, authorizer: Authorizer | None = None) -> EpisodeConnection:
    conn = sqlite3.connect(
        ":memory:",
        check_same_thread=False,
        isolation_level=None,
        cached_statements=256,  # every statement of a real env's ~40 tools stays compiled
        factory=EpisodeConnection,
    )
    conn.deserialize(data)
    conn.execute("PRAGMA cache_size = -32")  # pages are a memcpy away in the memdb; keep the cache small
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")
    conn.row_factory = sqlite3.Row
    if authorizer is not None:
        conn.set_authorizer(authorizer)
    return conn


def to_json_value(value: Any) -> Any:
    """Tool results as plain JSON values (rows become dicts); raise TypeError for anything else."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:  # the common result (a row as a dict): exact types first, no isinstance chain
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PLAIN else to_json_value(v))
            for k, v in value.items()
        }
    if kind is list:
        return [v if type(v) in _PLAIN else to_json_value(v) for v in value]
    if isinstance(value, bool | int | float | str):
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


_ONLY_JSON = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)
"""orjson options under which anything but JSON's own types (and enums, UUIDs, tuples: written as their
JSON values) reaches ``default``."""


def _not_plain(value: Any) -> Any:
    raise TypeError


def json_result(value: Any) -> tuple[Any, bytes | None]:
    """A tool's return value as a JSON value, with its compact JSON text when that came for free.

    Tools mostly return rows as dicts, often a page of them: orjson writes those in C, and reading the
    text back gives the plain copy (about half the cost of walking it in Python, and the text is the
    observation's). Whatever orjson refuses (integers beyond 64 bits, non-string keys) or leaves to
    ``default`` (``sqlite3.Row``, bytes, dates, Decimal, subclasses of JSON types) takes
    ``to_json_value``, which keeps their long-standing conversions and refuses anything else.
    """
    if type(value) in _PLAIN:
        return value, None
    try:
        text = orjson.dumps(value, option=_ONLY_JSON, default=_not_plain)
    except TypeError:
        return to_json_value(value), None
    return orjson.loads(text), text


@dataclass
class CallOutcome:
    ok: bool
    result: Any = None
    error: str | None = None
    diff: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    text: bytes | None = None
    """The result's compact JSON text when the conversion produced it (see ``json_result``)."""


class Episode:
    """One independent in-memory database and its running content hash."""

    def __init__(
        self, image: EnvImage, *, data: bytes | None = None, authorizer: Authorizer = tool_authorizer
    ) -> None:
        self.image = image
        conn = None
        if data is None and authorizer is tool_authorizer:
            try:
                conn = image.pool.pop()
            except IndexError:
                pass
        self.conn = conn if conn is not None else open_image(image.data if data is None else data)
        self._authorizer = authorizer
        self._bypass = False
        self._open = False
        """True while a savepoint opened by a read-only call is still open (see ``call``)."""
        self._lazy = authorizer is tool_authorizer
        """Trusted (AWM) apps may change the schema, which ``total_changes`` does not count."""
        self._fetch_old = True
        """False while ``rewind`` restores rows: it only needs the keys the restore touched."""
        self._news: dict[tuple[str, Any], tuple[Any, ...] | None] = {}
        """Rows as ``_collect`` read them after the call (their value once the call commits)."""
        self._latest: dict[tuple[str, Any], tuple[Any, ...] | None] = {}
        """Current value of touched rows, kept from the diffs so a rewind need not read them again."""
        self._synced = -1
        """``conn.total_changes`` after the last call; any other count means a write outside ``call``
        (then ``_latest`` is not trusted and the rewind reads the rows)."""
        self._row_hashes: dict[tuple[str, Any], tuple[tuple[Any, ...], str, int, dict[str, Any]]] = {}
        """(table, key) -> (row tuple, its encoding, its row hash, its diff dict) for the rows the last diff
        wrote: when the next call's logged "before" is that very tuple object (it came from ``_latest``),
        these are reused instead of recomputed. A pure cache, checked by identity."""
        self._hex: tuple[int, str] = (-1, "")
        self._log: dict[tuple[str, Any], tuple[Any, ...] | None] = {}
        self._touched: dict[tuple[str, Any], tuple[Any, ...] | None] | None = {} if data is None else None
        """Each row changed since the image, with its image value; None when not started from the image."""
        hooks = self.conn.hooks
        if hooks is None:
            hooks = self.conn.hooks = _Hooks(self.conn)
        hooks.record, hooks.authorize = self._record, self._authorize
        self._reader = self.conn.cursor()
        self._reader.row_factory = None
        self._control = self.conn.cursor()
        """Runs SAVEPOINT/RELEASE: conn.execute() would build a throwaway cursor twice per call."""
        if data is not None and not has_triggers(self.conn):
            self._bypass = True
            try:
                install_triggers(self.conn, image.tables)  # a db.sqlite saved without instrumentation
            finally:
                self._bypass = False
        self.deadline = Deadline()
        self.deadline.install(self.conn)
        self.hash = image.initial_hash if data is None else content_hash(self.conn, image.tables)
        self._tables = {t.name: t for t in image.tables}
        self._begin = f"SAVEPOINT {SAVEPOINT_CALL}"
        self._commit = f"RELEASE {SAVEPOINT_CALL}"
        self._rollback = f"ROLLBACK TO {SAVEPOINT_CALL}"

    def _authorize(self, action: int, arg1: Any, arg2: Any, db: Any, trigger: Any) -> int:
        if self._bypass:
            return sqlite3.SQLITE_OK
        return self._authorizer(action, arg1, arg2, db, trigger)

    def _record(self, table: str, key: Any, fetch: int) -> None:
        """Called by the triggers: remember each touched row's value before its first change in this call.

        ``fetch`` = 1 (BEFORE UPDATE/DELETE): read the row now, it still holds its old values;
        ``fetch`` = 0 (AFTER INSERT): the key did not exist before (unless already logged).
        """
        entry = (table, key)
        if entry in self._log:
            return
        if not fetch or not self._fetch_old:
            self._log[entry] = None
            return
        latest = self._latest  # true during a call (emptied at its start if anything wrote outside)
        if entry in latest:
            self._log[entry] = latest[entry]
            return
        info = self._tables[table]
        params = info.key_params(key)
        self._log[entry] = self._reader.execute(info.fetch_sql, params).fetchone()

    @property
    def hash_hex(self) -> str:
        """The content hash as 64 hex digits (asked for twice per step: info and state; cached)."""
        value, text = self._hex
        if value != self.hash:
            value = self.hash
            text = f"{value:064x}"
            self._hex = (value, text)
        return text

    def call(
        self, fn: Callable[..., Any], arguments: Mapping[str, Any], timeout_s: float | None
    ) -> CallOutcome:
        """Run ``fn(conn, **arguments)`` as one transaction; never leaves the DB half-changed.

        A call that changed no row (``total_changes`` counts every row written, by triggers and FK
        actions too) leaves its savepoint open for the next call instead of paying RELEASE + SAVEPOINT:
        the next call starts from the same data either way, and a rollback still returns exactly to
        the state before it. ``_settle`` releases it before anything reads the DB from outside.
        """
        conn = self.conn
        self._log.clear()
        if not self._open:
            self._control.execute(self._begin)
            self._open = True
        changes = conn.total_changes
        if changes != self._synced:  # something wrote outside call(): forget the kept values
            self._latest.clear()
        try:
            with time_limit(timeout_s, self.deadline):
                result, text = json_result(fn(conn, **arguments))
            if self._log or not self._lazy or conn.total_changes != changes:
                diff, delta = self._collect() if self._log else ({}, 0)
                self._control.execute(self._commit)
                self._open = False
            else:
                diff, delta = {}, 0
        except (Exception, CallTimeout) as exc:
            self._abort()
            self._log.clear()
            self._synced = conn.total_changes  # rolled back: what _latest holds is still true
            return CallOutcome(False, error=_describe(exc))
        if self._touched is not None:
            for entry, old in self._log.items():
                self._touched.setdefault(entry, old)
            if self._log:
                self._latest.update(self._news)
        # _latest was true at the start (or emptied above) and now has this call's rows: in sync
        self._synced = conn.total_changes
        self._log.clear()
        self.hash = (self.hash + delta) % _MOD
        return CallOutcome(True, result, diff=diff, text=text)

    def rewind(self) -> bool:
        """Bring the DB back to the image by restoring only the rows changed since it (a fast reset).

        The connection, its parsed schema and its statement cache survive, so a reset costs
        O(changed rows) instead of a fresh connection that must parse the schema again. Update-only
        episodes take ``_rewind_updates``; others run ``_restore_plan`` as an ordinary call (same diff
        and hash machinery), accepted only if the content hash comes back to the image's.
        Otherwise (or if the episode did not start from the image) returns False and the caller opens a
        fresh episode. Envs with their own triggers are never rewound.
        """
        self._settle()
        if self._touched is None or not self.image.rewindable:
            return False
        if not self._touched and self.hash == self.image.initial_hash:
            return True
        image = self.image
        if self._rewind_updates():
            return True

        def restore_any(conn: sqlite3.Connection) -> None:
            stuck = _run_in_passes(conn, self._restore_plan())
            if stuck:  # a cycle, e.g. UNIQUE values swapped between rows: take those rows out, then back
                rows = [row for _sql, _params, row in stuck if row is not None]
                if len(rows) < len(stuck):
                    raise sqlite3.IntegrityError("rows could not be restored in any order")
                for delete, _insert in rows:
                    conn.execute(*delete)
                if _run_in_passes(conn, [(*insert, None) for _delete, insert in rows]):
                    raise sqlite3.IntegrityError("rows could not be restored in any order")
            if image.sequences is not None:
                conn.execute("DELETE FROM sqlite_sequence")
                conn.executemany("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", image.sequences)

        # The runtime's own statements skip the authorizer through a flag: set_authorizer() and flag
        # PRAGMAs (foreign_keys, defer_foreign_keys) would expire every prepared statement of the
        # connection, so every tool statement would be compiled again in the next episode. Foreign
        # keys therefore stay on and the plan's order (plus retried passes) satisfies them.
        self._bypass = True
        try:
            outcome = self.call(restore_any, {}, None)
        finally:
            self._bypass = False
        if not outcome.ok or self.hash != self.image.initial_hash:
            self._touched = None  # not rewindable: do not pay for a second try (e.g. in close())
            return False
        self._touched = {}
        return True

    def _restore_plan(self) -> list[_RestoreOp]:
        """Statements that bring every touched row back to its image value, in an FK-friendly order.

        Deleted image rows are inserted first (their parents are image rows: present or inserted
        earlier in the plan), then updated rows take their image values back (which may point at the
        re-inserted rows), and rows the episode inserted are deleted last, when no restored row points
        at them any more (so no ON DELETE action reaches an image row). Rows of one kind that depend on
        each other (self-references, unique values moving between rows) are left to retried passes;
        an update also carries the delete + insert that replaces it if it stays stuck in a cycle.
        """
        assert self._touched is not None
        reader, tables = self._reader, self._tables
        inserts: list[_RestoreOp] = []
        updates: list[_RestoreOp] = []
        deletes: list[_RestoreOp] = []
        for (table, key), old in self._touched.items():
            info = tables[table]
            params = info.key_params(key)
            current = reader.execute(info.fetch_sql, params).fetchone()
            if old is None:
                if current is not None:
                    deletes.append((info.delete_sql, params, None))
            elif current is None:
                inserts.append((info.restore_sql, info.restore_params(key, old), None))
            elif changed := info.changed_columns(current, old):
                replace = ((info.delete_sql, params), (info.restore_sql, info.restore_params(key, old)))
                updates.append((info.update_sql(changed), tuple(old[i] for i in changed) + params, replace))
        deletes.reverse()  # children are usually inserted after their parents: delete them first
        return inserts + updates + deletes

    def _rewind_updates(self) -> bool:
        """The common rewind: every changed row existed in the image and still exists — UPDATE it back.

        Cheaper than a diffed call: each touched row is read once and only its differing columns are
        written; the triggers only report keys (no row hashes). The result is the image exactly, so the
        content hash is set to the image's, when (1) every touched row exists and afterwards holds the
        image values in all writable columns (generated columns follow), and (2)
        the rows the restore changed — FK actions included, as the triggers see them — are all among the
        touched rows; rows never touched still hold their image values. Otherwise the savepoint is rolled
        back and the caller takes the general path (delete + insert, verified by the content hash).
        """
        assert self._touched is not None
        touched, tables, conn, reader = self._touched, self._tables, self.conn, self._reader
        if any(old is None for old in touched.values()):
            return False
        self._log.clear()
        self._bypass, self._fetch_old = True, False
        ok = False
        conn.execute(self._begin)
        try:
            latest = self._latest if self._synced == conn.total_changes else {}
            for entry, old in touched.items():
                info = tables[entry[0]]
                key = entry[1]
                params = info.key_params(key)
                current = (
                    latest[entry] if entry in latest else reader.execute(info.fetch_sql, params).fetchone()
                )
                if current is None:
                    break
                changed = info.changed_columns(current, old)
                if not changed:
                    continue
                sql, values = info.update_sql(changed), tuple(old[i] for i in changed)
                if conn.execute(sql, values + params).rowcount != 1:
                    break
            else:
                ok = self._log.keys() <= touched.keys()
            if ok:
                conn.execute(self._commit)
        except sqlite3.Error:
            ok = False
        finally:
            if not ok:
                self._abort()
            self._bypass, self._fetch_old = False, True
            self._log.clear()
        if ok:
            self.hash = self.image.initial_hash
            self._touched = {}
            self._latest.clear()
            self._synced = conn.total_changes
        return ok

    def _abort(self) -> None:
        self._open = False
        try:
            if self.conn.in_transaction:
                self.conn.execute(self._rollback)
                self.conn.execute(self._commit)
        except sqlite3.Error:  # pragma: no cover - rollback of a broken transaction
            pass

    def _settle(self) -> None:
        """Release the savepoint read-only calls left open (it holds no changes)."""
        if self._open:
            self._open = False
            if self.conn.in_transaction:
                self._control.execute(self._commit)

    def _collect(self) -> tuple[dict[str, dict[str, list[Any]]], int]:
        """Net effect of the call: first old value per row (from the log) vs the row as it is now.

        Reading the current row (instead of trusting logged new values) keeps the diff right even when
        part of the call was rolled back to a nested savepoint (AWM apps do that). Rows are compared by
        their canonical encoding (what the content hash covers: 1 and 1.0 differ); the "before" row of
        a row this episode wrote in an earlier call is usually that call's "after" tuple itself, so its
        encoding and hash come from ``_row_hashes`` instead of being computed again.
        """
        cur = self._reader
        diff: dict[str, dict[str, list[Any]]] = {}
        delta = 0
        tables = self._tables
        news = self._news
        news.clear()
        known, cache = self._row_hashes, {}
        for entry, old in self._log.items():
            tbl, key = entry
            table = tables.get(tbl)
            if table is None:
                continue
            new = news[entry] = cur.execute(table.fetch_sql, table.key_params(key)).fetchone()
            after = None if new is None else _ENCODE(new)
            hit = None
            if old is None:
                before, before_hash = None, -1
            else:
                hit = known.get(entry)
                if hit is not None and hit[0] is old:  # the very tuple the last diff read: same content
                    before, before_hash = hit[1], hit[2]
                else:
                    hit = None
                    before, before_hash = _ENCODE(old), -1
            if before == after:
                if hit is not None and new is not None:
                    cache[entry] = (new, hit[1], hit[2], hit[3])
                continue
            entry_diff = diff.get(tbl)
            if entry_diff is None:
                entry_diff = diff[tbl] = {"inserted": [], "updated": [], "deleted": []}
            cols = table.columns
            if before is not None:
                delta -= before_hash if before_hash >= 0 else row_hash(tbl, before)
            if new is not None:
                after_hash = row_hash(tbl, after)  # type: ignore[arg-type]
                after_dict = _row_dict(cols, new)
                cache[entry] = (new, after, after_hash, after_dict)
                delta += after_hash
                after_dict = dict(after_dict)  # the diff gets its own copy (callers may keep or edit it)
            if old is None:
                entry_diff["inserted"].append(after_dict)
            else:
                # a copy of the dict the last diff built for this very tuple, or built now
                before_dict = dict(hit[3]) if hit is not None else _row_dict(cols, old)
                if new is None:
                    entry_diff["deleted"].append(before_dict)
                else:
                    entry_diff["updated"].append({"before": before_dict, "after": after_dict})
        self._row_hashes = cache  # a row written by this call is often the next call's "before"
        return diff, delta

    def serialize(self) -> bytes:
        self._settle()
        return self.conn.serialize()

    def snapshot(self) -> sqlite3.Connection:
        """A read-only copy of the current DB (for verifiers), independent of the episode."""
        from pworlds.worlds.toolworld.guard import readonly_authorizer

        return open_image(self.serialize(), authorizer=readonly_authorizer)

    def close(self) -> None:
        """Release the connection: rewound into the image's pool when possible, else closed.

        Only episodes that started from the image under the tool authorizer are pooled (trusted AWM
        apps may change the schema); the rewind guarantees the pooled DB is the image exactly. The
        callbacks are re-registered by the next owner. Afterwards this object must not be used.
        """
        conn, self.conn = self.conn, _CLOSED
        if conn is _CLOSED:
            return
        pooled = False
        if (
            self._touched is not None
            and self._authorizer is tool_authorizer
            and len(self.image.pool) < POOL_SIZE
        ):
            self.conn = conn
            try:
                pooled = self.rewind() and not conn.in_transaction
            except sqlite3.Error:
                pooled = False
            self.conn = _CLOSED
        if pooled:
            hooks = conn.hooks
            if hooks is not None:  # the closed episode must not be reachable through the pooled conn
                hooks.record, hooks.authorize = _unowned, _deny_all
            self.image.pool.append(conn)
        else:
            conn.close()


_Statement = tuple[str, tuple[Any, ...]]
_RestoreOp = tuple[str, tuple[Any, ...], tuple[_Statement, _Statement] | None]
"""A rewind statement with its parameters, and for an update the delete + insert that can replace it."""


def _run_in_passes(conn: sqlite3.Connection, ops: list[_RestoreOp]) -> list[_RestoreOp]:
    """Run the statements, retrying the ones a constraint stopped until no pass makes progress.

    A failed statement is undone by SQLite on its own (the transaction goes on), so trying again
    after its parent row is back, or after the row holding its unique value has moved, is safe.
    Returns the statements that never ran.
    """
    while ops:
        failed = []
        for op in ops:
            try:
                conn.execute(op[0], op[1])
            except sqlite3.IntegrityError:
                failed.append(op)
        if len(failed) == len(ops):
            return failed
        ops = failed
    return []


def _row_dict(columns: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(columns, values, strict=False))
    if bytes in map(type, values):
        return {c: (v.hex() if type(v) is bytes else v) for c, v in row.items()}
    return row


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

    An updated row shows up as one removed and one added row; used by the hybrid judge.
    """
    out: dict[str, Any] = {}
    for t in tables:
        before = [tuple(r) for r in initial.execute(t.select_sql)]
        after = [tuple(r) for r in final.execute(t.select_sql)]
        before_set, after_set = set(before), set(after)
        removed = [_row_dict(t.columns, r) for r in before if r not in after_set]
        added = [_row_dict(t.columns, r) for r in after if r not in before_set]
        if removed or added:
            out[t.name] = {"removed": removed, "added": added}
    return out
