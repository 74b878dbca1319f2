"""The untrusted-code guard: static AST allow-list, restricted loading, SQLite authorizers, time limits.

Env code (tools.py, verify.py) may be written by an LLM, so before it is loaded it must pass
``check_source``; it is then executed with a builtins table that lacks the dangerous names, and every
call runs under a deadline enforced twice: SQLite's progress handler interrupts long queries, and a
watchdog thread raises ``CallTimeout`` inside Python loops. The authorizers keep SQL from escaping the
episode database (ATTACH, extension loading, PRAGMA writes, DDL).
"""

from __future__ import annotations

import ast
import builtins
import ctypes
import math
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

ALLOWED_IMPORTS = frozenset(
    {
        "sqlite3",
        "json",
        "datetime",
        "math",
        "re",
        "decimal",
        "typing",
        "collections",
        "itertools",
        "functools",
        "statistics",
        "string",
        "enum",
        "dataclasses",
        "__future__",
    }
)
FORBIDDEN_NAMES = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "open",
        "__import__",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "breakpoint",
        "input",
        "memoryview",
        "os",
        "sys",
        "subprocess",
        "socket",
        "pathlib",
        "importlib",
        "ctypes",
        "pickle",
        "threading",
        "multiprocessing",
        "builtins",
        "__builtins__",
    }
)
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "enable_load_extension",
        "load_extension",
        "set_authorizer",
        "set_progress_handler",
        "set_trace_callback",
        "create_function",
        "create_aggregate",
        "create_window_function",
        "create_collation",
        "backup",
        "serialize",
        "deserialize",
        "commit",
        "rollback",
        "close",
        "interrupt",
        "blobopen",
        "gi_frame",
        "f_globals",
        "f_locals",
        "f_back",
        "cr_frame",
        "tb_frame",
        "format_map",
        "mro",
        "connect",
    }
)
_DUNDER = re.compile(r"__\w+__")
SAVEPOINT_CALL = f"pw_call_{secrets.token_hex(8)}"
"""The runtime's per-call savepoint; unguessable, so tool SQL cannot RELEASE or roll it back."""
SAVEPOINT_APP = f"pw_app_{secrets.token_hex(8)}"
"""Nested savepoint standing in for an AWM app's own transactions."""
_SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in dir(builtins)
    if not name.startswith("_") and name not in FORBIDDEN_NAMES
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding, located: ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class GuardError(Exception):
    """Raised by ``load_module`` when the source fails the static check (carries every problem)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class CallTimeout(Exception):
    """A tool or verifier call ran past its time limit."""


def check_source(source: str, filename: str) -> list[Problem]:
    """Every rule the env format forbids, with its line; empty list means the file may be loaded."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return [Problem(filename, exc.lineno or 1, f"syntax error: {exc.msg}")]
    problems: list[Problem] = []

    def bad(node: ast.AST, message: str) -> None:
        problems.append(Problem(filename, getattr(node, "lineno", 1), message))

    for node in tree.body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            continue  # module docstring
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef):
            if isinstance(node, ast.FunctionDef) and node.decorator_list:
                bad(node, f"function {node.name!r} has a decorator; decorators are not allowed")
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign) and _is_constant_assignment(node):
            continue
        bad(node, f"module-level {type(node).__name__} is not allowed (only imports, constants, functions)")

    docstrings = {
        id(scope.body[0].value)
        for scope in ast.walk(tree)
        if isinstance(scope, ast.Module | ast.FunctionDef | ast.ClassDef)
        and scope.body
        and isinstance(scope.body[0], ast.Expr)
        and isinstance(scope.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in ALLOWED_IMPORTS:
                    allowed = ", ".join(sorted(ALLOWED_IMPORTS))
                    bad(
                        node,
                        f"import of {alias.name!r} is not allowed; allowed: {allowed}",
                    )
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level or module.split(".")[0] not in ALLOWED_IMPORTS:
                bad(node, f"import from {module or '.'!r} is not allowed")
            if any(a.name in {"connect", "*"} for a in node.names):
                bad(node, "importing connect or * is not allowed")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            bad(node, f"use of {node.id!r} is not allowed")
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("__") and node.attr.endswith("__"):
                bad(node, f"dunder attribute access .{node.attr} is not allowed")
            elif node.attr in FORBIDDEN_ATTRIBUTES:
                bad(node, f"attribute .{node.attr} is not allowed (the runtime owns the connection)")
            elif node.attr in FORBIDDEN_NAMES:
                bad(node, f"attribute .{node.attr} is not allowed")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            if isinstance(node, ast.AsyncFunctionDef):
                bad(node, "async functions are not allowed")
            name = getattr(node, "name", "")
            if name.startswith("__") and name.endswith("__"):
                bad(node, f"dunder definition {name!r} is not allowed")
        elif isinstance(node, ast.Call) and _called_name(node.func) in {"Connection", "Cursor", "Blob"}:
            bad(node, "creating sqlite3 connections or cursors directly is not allowed; use conn")
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bad(node, f"{type(node).__name__.lower()} statements are not allowed")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and _DUNDER.search(node.value)
        ):
            # also catches format strings such as "{0.__class__}" (attribute access through str.format)
            bad(node, f"string with a dunder name {node.value[:40]!r} is not allowed")
    return sorted(set(problems), key=lambda p: (p.line, p.message))


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_constant_assignment(node: ast.Assign | ast.AnnAssign) -> bool:
    value = node.value
    if value is None:
        return False
    for sub in ast.walk(value):
        if isinstance(sub, ast.Call | ast.Lambda | ast.NamedExpr | ast.Await | ast.Yield):
            # allow frozenset({...}) / set() / dict() / tuple() literal helpers
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Name)
                and sub.func.id
                in {
                    "frozenset",
                    "set",
                    "dict",
                    "tuple",
                    "list",
                }
            ):
                continue
            return False
    return True


def _restricted_import(
    name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
) -> Any:
    if level or name.split(".")[0] not in ALLOWED_IMPORTS:
        raise ImportError(f"import of {name!r} is not allowed in env code")
    return builtins.__import__(name, globals, locals, fromlist, level)


def load_module(source: str, filename: str, module_name: str) -> ModuleType:
    """Check, compile and execute env code with restricted builtins; raise ``GuardError`` on any problem."""
    problems = check_source(source, filename)
    if problems:
        raise GuardError(problems)
    module = ModuleType(module_name)
    module.__file__ = filename
    safe = dict(_SAFE_BUILTINS)
    safe["__import__"] = _restricted_import
    safe["__build_class__"] = builtins.__build_class__
    module.__dict__["__builtins__"] = safe
    code = compile(source, filename, "exec")
    exec(code, module.__dict__)
    return module


# ----------------------------------------------------------------------------- SQLite authorizers
_WRITE_ACTIONS = frozenset({sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE})
_DDL_ACTIONS = frozenset(
    getattr(sqlite3, name)
    for name in dir(sqlite3)
    if name.startswith(("SQLITE_CREATE_", "SQLITE_DROP_")) or name == "SQLITE_ALTER_TABLE"
)
_READ_ACTIONS = frozenset(
    {sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)
_FORBIDDEN_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "fts3_tokenizer"})


def _function_denied(name: str | None, trigger: str | None) -> bool:
    """Extension loading and file functions never; the runtime's row log only from its own triggers."""
    name = (name or "").lower()
    if name in _FORBIDDEN_FUNCTIONS:
        return True
    return name == "_pw_log" and not (trigger or "").startswith("_pw_")


def tool_authorizer(
    action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None
) -> int:
    """Tools may read and write rows; never ATTACH, load extensions, write PRAGMAs or change the schema."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA:
        return sqlite3.SQLITE_DENY if arg2 is not None else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and _function_denied(arg2, trigger):
        return sqlite3.SQLITE_DENY
    if action in _DDL_ACTIONS and trigger is None:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_TRANSACTION:
        return sqlite3.SQLITE_DENY  # the runtime owns the transaction
    if action == sqlite3.SQLITE_SAVEPOINT and arg2 not in (SAVEPOINT_CALL, SAVEPOINT_APP):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def trusted_authorizer(
    action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None
) -> int:
    """For user-trusted (AWM) apps: still no ATTACH/extensions; PRAGMA writes are silently ignored."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None:
        return sqlite3.SQLITE_IGNORE
    if action == sqlite3.SQLITE_FUNCTION and _function_denied(arg2, trigger):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def readonly_authorizer(
    action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None
) -> int:
    """Verifiers get read-only connections: SELECTs and PRAGMA reads only."""
    if action in _READ_ACTIONS:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _FORBIDDEN_FUNCTIONS:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg2 is None:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


# ----------------------------------------------------------------------------- time limits
class _Watchdog:
    """One daemon thread for the whole process: raises ``CallTimeout`` in threads past their deadline.

    Registering a call is a dict write, so the per-call cost is negligible; the thread wakes every
    ``period_s`` only while some call is active.
    """

    def __init__(self, period_s: float = 0.01) -> None:
        self.period_s = period_s
        self.deadlines: dict[int, float] = {}
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._run, name="pworlds-toolworld-watchdog", daemon=True
                )
                self.thread.start()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            time.sleep(self.period_s)
            now = time.perf_counter()
            with self.lock:
                for tid, deadline in list(self.deadlines.items()):
                    if now > deadline:
                        del self.deadlines[tid]
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(tid), ctypes.py_object(CallTimeout)
                        )
                if not self.deadlines:
                    self.wake.clear()

    def register(self, deadline: float) -> int:
        if self.thread is None:
            self.start()
        tid = threading.get_ident()
        self.deadlines[tid] = deadline  # a dict write is atomic under the GIL; no lock on the hot path
        if not self.wake.is_set():
            self.wake.set()
        return tid

    def unregister(self, tid: int) -> None:
        with self.lock:  # never let the watchdog raise into a call that has already finished
            self.deadlines.pop(tid, None)


_WATCHDOG = _Watchdog()


class Deadline:
    """A per-connection deadline that SQLite's progress handler checks (interrupts long queries)."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = math.inf

    def expired(self) -> int:
        return 1 if time.perf_counter() > self.at else 0

    def install(self, conn: sqlite3.Connection, every_n: int = 20_000) -> None:
        conn.set_progress_handler(self.expired, every_n)


class TimeLimit:
    """Context manager: the body runs under a deadline; past it a ``CallTimeout`` is raised.

    A plain class (not ``@contextmanager``) because it wraps every tool call and must cost little.
    """

    __slots__ = ("at", "deadline", "tid", "timeout_s")

    def __init__(self, timeout_s: float | None, deadline: Deadline | None = None) -> None:
        self.timeout_s = timeout_s
        self.deadline = deadline
        self.tid: int | None = None
        self.at = math.inf

    def __enter__(self) -> TimeLimit:
        if self.timeout_s is not None and self.timeout_s > 0:
            self.at = time.perf_counter() + self.timeout_s
            if self.deadline is not None:
                self.deadline.at = self.at
            self.tid = _WATCHDOG.register(self.at)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if self.tid is None:
            return False
        _WATCHDOG.unregister(self.tid)
        if self.deadline is not None:
            self.deadline.at = math.inf
        if exc_type is CallTimeout:
            raise CallTimeout(f"timed out after {self.timeout_s:g} s") from None
        if exc_type is sqlite3.OperationalError and "interrupt" in str(exc) and time.perf_counter() > self.at:
            raise CallTimeout(f"timed out after {self.timeout_s:g} s") from exc
        return False


def time_limit(timeout_s: float | None, deadline: Deadline | None = None) -> TimeLimit:
    """Run the body under a deadline; a ``CallTimeout`` (or SQLite ``interrupted``) is raised past it."""
    return TimeLimit(timeout_s, deadline)


def call_with_limit(fn: Callable[..., Any], timeout_s: float | None, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` under ``time_limit``; timeouts come back as ``CallTimeout``."""
    with time_limit(timeout_s):
        return fn(*args, **kwargs)
