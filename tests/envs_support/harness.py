"""Standalone harness for a shipped toolworld env folder, without the toolworld runtime.

The per-env test files check business rules and answer phrasings directly against tools.py and verify.py, so
that a failure points at the env's code rather than at the runtime. This module does what the runtime does for
one env — build the seed image from schema.sql + seed.sql, load tools.py/verify.py by file path, run each tool
call in its own transaction (rollback on any exception), give verifiers read-only connections — in one place,
so the three env test files cannot drift apart.

Import it as ``from envs_support.harness import EnvHarness`` (tests/ is on sys.path through tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from pworlds.worlds.toolworld.envs import shipped_env_dirs

READ_ACTIONS = {sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION}


def _load_module(env_dir: Path, name: str) -> ModuleType:
    """Execute ``<env_dir>/<name>.py`` as its own module (unrestricted: these are the shipped, reviewed files)."""
    spec = importlib.util.spec_from_file_location(f"{env_dir.name}_{name}", env_dir / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"cannot load {env_dir / name}.py"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read_only_authorizer(action: int, arg1: Any, arg2: Any, db: Any, trigger: Any) -> int:
    """Reads, SELECTs, functions and read-only PRAGMAs only: a verifier that writes is a bug."""
    if action in READ_ACTIONS or (action == sqlite3.SQLITE_PRAGMA and arg2 is None):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def build_image(env_dir: Path) -> bytes:
    """The seed database (schema.sql then seed.sql, foreign keys on) as serialized SQLite bytes."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript((env_dir / "schema.sql").read_text())
        conn.executescript((env_dir / "seed.sql").read_text())
        return conn.serialize()
    finally:
        conn.close()


@dataclass(frozen=True)
class EnvHarness:
    """One shipped env loaded from its folder: tools, verifiers, tasks and the seed image."""

    path: Path
    tools_module: ModuleType
    verify_module: ModuleType
    meta: dict[str, Any]
    tasks: list[dict[str, Any]]
    image: bytes = field(repr=False)

    @classmethod
    def load(cls, env_id: str) -> EnvHarness:
        """The shipped env ``env_id``, loaded once per test session (the image is immutable bytes)."""
        return _load_harness(env_id)

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def task_ids(self) -> list[str]:
        return [t["id"] for t in self.tasks]

    @property
    def tools(self) -> dict[str, Callable[..., Any]]:
        """Public functions defined in tools.py (what the runtime exposes as tools), by name."""
        return {
            name: fn
            for name, fn in inspect.getmembers(self.tools_module, inspect.isfunction)
            if not name.startswith("_") and fn.__module__ == self.tools_module.__name__
        }

    def task(self, task_id: str) -> dict[str, Any]:
        return next(t for t in self.tasks if t["id"] == task_id)

    def open(self, image: bytes | None = None) -> sqlite3.Connection:
        """A fresh writable copy of ``image`` (default: the seed), configured like the runtime's connections."""
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.deserialize(self.image if image is None else image)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.row_factory = sqlite3.Row
        return conn

    def read_only(self, conn: sqlite3.Connection | None = None) -> sqlite3.Connection:
        """A copy of ``conn`` (default: the seed) that only allows reads, as verifiers get it."""
        copy = self.open(None if conn is None else conn.serialize())
        copy.set_authorizer(_read_only_authorizer)
        return copy

    def call(self, conn: sqlite3.Connection, name: str, arguments: dict[str, Any] | None = None) -> Any:
        """One tool call in its own transaction, as the runtime does it; roll back and re-raise on error."""
        conn.execute("BEGIN")
        try:
            result = self.tools[name](conn, **(arguments or {}))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def run(self, calls: list[dict[str, Any]], *, tolerate_errors: bool = False) -> sqlite3.Connection:
        """A seed copy after ``calls``; with ``tolerate_errors`` a refused call is skipped like the runtime does."""
        conn = self.open()
        for call in calls:
            try:
                self.call(conn, call["name"], call.get("arguments"))
            except Exception:
                if not tolerate_errors:
                    raise
        return conn

    def verify(self, task: dict[str, Any] | str, final: sqlite3.Connection, answer: str | None) -> dict:
        """The task's verdict on read-only copies of the seed and ``final``; checks the verdict's shape."""
        task = self.task(task) if isinstance(task, str) else task
        verifier = getattr(self.verify_module, task.get("verifier") or f"verify_{task['id']}")
        verdict = verifier(self.read_only(), self.read_only(final), answer)
        json.dumps(verdict)  # verdicts go into trace.jsonl: plain JSON only
        assert verdict["status"] in ("pass", "fail"), verdict
        assert isinstance(verdict.get("evidence", {}), dict), verdict
        return verdict

    def assert_rejected(
        self, name: str, arguments: dict[str, Any], fragment: str, conn: sqlite3.Connection | None = None
    ) -> None:
        """The call raises ValueError matching ``fragment`` and leaves the database exactly as it was."""
        conn = self.open() if conn is None else conn
        before, image = dump(conn), conn.serialize()
        with pytest.raises(ValueError, match=fragment):
            self.call(conn, name, arguments)
        assert dump(conn) == before
        assert conn.serialize() == image, "the rollback left different database bytes behind"


@cache
def _load_harness(env_id: str) -> EnvHarness:
    path = shipped_env_dirs()[env_id]
    return EnvHarness(
        path=path,
        tools_module=_load_module(path, "tools"),
        verify_module=_load_module(path, "verify"),
        meta=yaml.safe_load((path / "env.yaml").read_text()),
        tasks=yaml.safe_load((path / "tasks.yaml").read_text())["tasks"],
        image=build_image(path),
    )


def dump(conn: sqlite3.Connection) -> list[str]:
    """Every schema statement and row as SQL text: equal dumps mean equal databases."""
    return list(conn.iterdump())


def shipped_env_ids() -> list[str]:
    return sorted(shipped_env_dirs())
