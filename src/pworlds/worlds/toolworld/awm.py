"""Agent World Model (AWM) compatibility: import the published JSONL layout, run its apps in-process.

The AWM-1K dataset keeps each scenario as rows of JSONL files: ``gen_scenario`` (name, description),
``gen_tasks`` (scenario, tasks), ``gen_db`` (scenario, db_schema.tables[].ddl/indexes), ``gen_sample``
(scenario, sample_data.tables[].insert_statements), ``gen_spec`` (scenario, api_spec.api_groups[].endpoints[]),
``gen_envs`` (scenario, full_code: a FastAPI + SQLAlchemy app) and ``gen_verifier`` /
``gen_verifier.pure_code`` (scenario, task_idx, verification.code defining
``verify_task_completion(initial_db_path, final_db_path, final_answer=None) -> {"result": "complete"|"others"}``).

``import_awm`` writes one pworlds env folder per scenario (env.yaml with generator ``awm-import``,
schema.sql, seed.sql, tasks.yaml, plus ``awm_app.py``, ``awm_spec.json`` and ``awm_verifiers.json``).

At run time the app is executed once per env in this process, its ``create_engine`` is redirected to the
episode's in-memory database (through a connection proxy), and tools are HTTP calls through
``httpx.ASGITransport`` — no port, no subprocess, no SQL rebuild per reset.

Trust: imported envs are user-trusted code. FastAPI/SQLAlchemy apps cannot pass the toolworld AST guard,
so they run unguarded (the SQLite authorizer still forbids ATTACH and extension loading). ``pworlds
import awm`` warns about this; import only datasets you trust.
"""

from __future__ import annotations

import asyncio
import builtins
import concurrent.futures
import inspect
import json
import re
import sqlite3
import tempfile
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from psignal.errors import UsageError, require_extra
from pworlds.worlds.toolworld.episode import EnvImage, open_image
from pworlds.worlds.toolworld.guard import SAVEPOINT_APP
from pworlds.worlds.toolworld.tools import ToolDef

APP_FILE, SPEC_FILE, VERIFIERS_FILE = "awm_app.py", "awm_spec.json", "awm_verifiers.json"
_TYPES: dict[str, Any] = {
    "string": str, "str": str, "integer": int, "int": int, "number": float, "float": float,
    "boolean": bool, "bool": bool, "array": list, "list": list, "object": dict, "dict": dict,
}  # fmt: skip


class AWMImportError(UsageError):
    """The AWM source folder is missing files or has malformed rows."""


# ----------------------------------------------------------------------------- import
def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise AWMImportError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
    return rows


def _by_scenario(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r.get("scenario") or r.get("name")): r for r in rows if r.get("scenario") or r.get("name")}


def env_id_for(scenario: str) -> str:
    ident = re.sub(r"[^a-z0-9]+", "_", scenario.lower()).strip("_") or "scenario"
    return ident if ident[0].isalpha() else f"awm_{ident}"


def _sql(statement: str) -> str:
    statement = statement.strip()
    return statement if statement.endswith(";") else statement + ";"


def import_awm(
    source: Path | str, out: Path | str, *, scenarios: list[str] | None = None, check: bool = True
) -> list[Path]:
    """Write one env folder per AWM scenario under ``out``; returns the folders written."""
    source, out = Path(source), Path(out)
    needed = ["gen_scenario.jsonl", "gen_tasks.jsonl", "gen_db.jsonl", "gen_sample.jsonl", "gen_envs.jsonl"]
    missing = [n for n in needed if not (source / n).is_file()]
    if missing:
        raise AWMImportError(f"{source} is not an AWM dataset folder: missing {', '.join(missing)}")
    verifier_file = next(
        (
            source / n
            for n in ("gen_verifier.pure_code.jsonl", "gen_verifier.jsonl")
            if (source / n).is_file()
        ),
        None,
    )
    data = {n: _by_scenario(_read_jsonl(source / n)) for n in needed}
    specs = (
        _by_scenario(_read_jsonl(source / "gen_spec.jsonl")) if (source / "gen_spec.jsonl").is_file() else {}
    )
    verifiers: dict[str, dict[int, str]] = {}
    for row in _read_jsonl(verifier_file) if verifier_file else []:
        code = (row.get("verification") or {}).get("code") or row.get("code")
        if row.get("scenario") is not None and row.get("task_idx") is not None and code:
            verifiers.setdefault(str(row["scenario"]), {})[int(row["task_idx"])] = code
    names = scenarios or sorted(data["gen_scenario.jsonl"])
    written = []
    for name in names:
        if name not in data["gen_scenario.jsonl"]:
            raise AWMImportError(f"scenario {name!r} is not in {source / 'gen_scenario.jsonl'}")
        for n in needed[1:]:
            if name not in data[n]:
                raise AWMImportError(f"scenario {name!r} has no row in {source / n}")
        written.append(_write_env(out, name, data, specs.get(name), verifiers.get(name, {})))
    if check:
        from pworlds.worlds.toolworld.loader import load_env

        for path in written:
            load_env(path)
    return written


def _write_env(
    out: Path, name: str, data: dict[str, dict[str, dict[str, Any]]], spec: dict[str, Any] | None,
    verifiers: dict[int, str],
) -> Path:  # fmt: skip
    env_id = env_id_for(name)
    folder = out / env_id
    folder.mkdir(parents=True, exist_ok=True)
    scenario = data["gen_scenario.jsonl"][name]
    meta = {
        "id": env_id,
        "title": name.replace("_", " ").strip().capitalize(),
        "description": scenario.get("description", "") or name,
        "domain": "awm",
        "version": "1",
        "provenance": {"generator": "awm-import", "seed": None, "model": None},
        "verification": "code",
    }
    (folder / "env.yaml").write_text(
        yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    schema_lines = []
    for table in data["gen_db.jsonl"][name].get("db_schema", {}).get("tables", []):
        if table.get("ddl"):
            schema_lines.append(_sql(table["ddl"]))
        schema_lines += [
            _sql(i).replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
            for i in table.get("indexes", [])
        ]
    (folder / "schema.sql").write_text("\n".join(schema_lines) + "\n", encoding="utf-8")
    seed_lines = [
        _sql(s)
        for table in data["gen_sample.jsonl"][name].get("sample_data", {}).get("tables", [])
        for s in table.get("insert_statements", [])
    ]
    (folder / "seed.sql").write_text("\n".join(seed_lines) + "\n", encoding="utf-8")
    tasks = []
    for i, text in enumerate(data["gen_tasks.jsonl"][name].get("tasks", [])):
        instruction = text if isinstance(text, str) else str(text.get("task") or text)
        tasks.append({"id": f"task_{i}", "instruction": instruction, "verifier": f"verify_task_{i}"})
    (folder / "tasks.yaml").write_text(
        yaml.safe_dump({"tasks": tasks}, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )
    (folder / APP_FILE).write_text(data["gen_envs.jsonl"][name]["full_code"], encoding="utf-8")
    (folder / SPEC_FILE).write_text(json.dumps((spec or {}).get("api_spec", {}), indent=1), encoding="utf-8")
    (folder / VERIFIERS_FILE).write_text(
        json.dumps({f"verify_task_{i}": code for i, code in sorted(verifiers.items())}, indent=1),
        encoding="utf-8",
    )
    return folder


# ----------------------------------------------------------------------------- run time
class _ConnectionProxy:
    """What the app's SQLAlchemy engine sees as its DBAPI connection: the current episode's connection.

    The runtime owns the real transaction (one per tool call, a savepoint); inside it the app's
    own transactions map to a nested savepoint: ``commit`` keeps the work (release + new savepoint) and
    ``rollback`` undoes only what the app did since its last commit. ``close`` never closes the episode's
    connection.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "target", None)
        object.__setattr__(self, "_local", {})

    def __getattr__(self, name: str) -> Any:
        local = object.__getattribute__(self, "_local")
        if name in local:
            return local[name]
        return getattr(object.__getattribute__(self, "target"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "target":
            object.__setattr__(self, name, value)
        else:
            self._local[name] = value

    def commit(self) -> None:
        conn: sqlite3.Connection = self.target
        if conn is not None and conn.in_transaction:
            conn.execute(f"RELEASE {SAVEPOINT_APP}")
            conn.execute(f"SAVEPOINT {SAVEPOINT_APP}")

    def rollback(self) -> None:
        conn: sqlite3.Connection = self.target
        if conn is not None and conn.in_transaction:
            conn.execute(f"ROLLBACK TO {SAVEPOINT_APP}")

    def close(self) -> None:
        pass


class _Loop:
    """One background asyncio loop for all AWM apps of the process (callers may be inside a loop)."""

    _instance: _Loop | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="pworlds-awm-loop", daemon=True)
        self.thread.start()

    @classmethod
    def get(cls) -> _Loop:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def run(self, coro: Any, timeout_s: float) -> Any:
        """Wait in short slices so the per-call time limit (an async exception) can interrupt the wait."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        end = time.perf_counter() + timeout_s
        try:
            while True:
                try:
                    return future.result(0.05)
                except concurrent.futures.TimeoutError:
                    if time.perf_counter() > end:
                        raise TimeoutError(f"the app did not answer within {timeout_s:g} s") from None
        finally:
            future.cancel()


class AWMApp:
    """An AWM FastAPI app loaded once, serving whichever episode connection is bound per request."""

    def __init__(self, source: str, filename: str, image: EnvImage, request_timeout_s: float = 30.0) -> None:
        import httpx
        import sqlalchemy
        from sqlalchemy.pool import StaticPool

        self.proxy = _ConnectionProxy()
        self.lock = threading.Lock()
        self.request_timeout_s = request_timeout_s
        scratch = open_image(image.data)
        self.proxy.target = scratch
        engines: list[Any] = []

        def create_engine(*_args: Any, **_kwargs: Any) -> Any:
            engine = sqlalchemy.create_engine(
                "sqlite://", creator=lambda: self.proxy, poolclass=StaticPool, pool_reset_on_return=None
            )
            engines.append(engine)
            return engine

        shim = types.ModuleType("sqlalchemy")
        shim.__dict__.update(sqlalchemy.__dict__)
        shim.create_engine = create_engine  # type: ignore[attr-defined]

        def importer(
            name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
        ) -> Any:
            module = builtins.__import__(name, globals, locals, fromlist, level)
            return shim if name == "sqlalchemy" else module

        namespace: dict[str, Any] = {
            "__name__": "pworlds_awm_app",
            "__builtins__": {**builtins.__dict__, "__import__": importer},
            "DATABASE_PATH": "sqlite://",
        }
        try:
            exec(compile(source, filename, "exec"), namespace)  # trusted-by-user code (see module docstring)
        finally:
            scratch.close()
            self.proxy.target = None
        self.app = namespace.get("app")
        if self.app is None:
            raise ValueError(f"{filename} defines no FastAPI 'app'")
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://awm.local",
            timeout=request_timeout_s,
        )
        self.engines = engines

    def request(self, conn: sqlite3.Connection, method: str, path: str, **kwargs: Any) -> Any:
        with self.lock:
            self.proxy.target = conn
            conn.execute(f"SAVEPOINT {SAVEPOINT_APP}")
            try:
                response = _Loop.get().run(
                    self.client.request(method, path, **kwargs), self.request_timeout_s
                )
            finally:
                self.proxy.target = None
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code >= 400:
            detail = body.get("detail", body) if isinstance(body, dict) else body
            raise ValueError(f"HTTP {response.status_code}: {json.dumps(detail, default=str)[:500]}")
        return body


def _endpoint_tool(app: AWMApp, endpoint: dict[str, Any]) -> ToolDef:
    from pydantic import ConfigDict, Field, create_model

    from psignal.world import ActionSpec

    name = endpoint["operation_id"]
    params: dict[str, dict[str, Any]] = endpoint.get("request_params") or {}
    fields: dict[str, Any] = {}
    for pname, pspec in params.items():
        kind = _TYPES.get(str(pspec.get("type", "string")).lower().split("[")[0].strip(), str)
        desc = pspec.get("description")
        if pspec.get("required"):
            fields[pname] = (kind, Field(..., description=desc))
        else:
            fields[pname] = (kind | None, Field(None, description=desc))
    model = create_model(f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields)  # type: ignore[call-overload]
    summary = endpoint.get("summary") or name
    description = endpoint.get("description")
    text = f"{summary}. {description}" if description and description != summary else summary
    method, path_template = str(endpoint.get("method", "GET")).upper(), str(endpoint["path"])

    def call(conn: sqlite3.Connection, **arguments: Any) -> Any:
        path, query, body = path_template, {}, {}
        for key, value in arguments.items():
            if value is None:
                continue
            where = (params.get(key) or {}).get("param_type", "query")
            if where == "path":
                path = path.replace("{" + key + "}", str(value))
            elif where == "body":
                body[key] = value
            else:
                query[key] = value
        kwargs: dict[str, Any] = {"params": query} if query else {}
        if body or method in ("POST", "PUT", "PATCH"):
            kwargs["json"] = body
        return app.request(conn, method, path, **kwargs)

    call.__name__ = name
    return ToolDef(name, call, ActionSpec.from_model(name, text, model))


def _wrap_verifier(code: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": f"pworlds_awm_{name}"}
    exec(compile(code, f"{VERIFIERS_FILE}:{name}", "exec"), namespace)  # trusted-by-user code
    fn = namespace.get("verify_task_completion")
    if fn is None:
        raise ValueError(f"{name}: the AWM verifier code defines no verify_task_completion")
    accepted = set(inspect.signature(fn).parameters)

    def verifier(
        initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
    ) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="pworlds-awm-") as tmp:
            paths = {
                "initial_db_path": str(Path(tmp) / "initial.db"),
                "final_db_path": str(Path(tmp) / "final.db"),
            }
            Path(paths["initial_db_path"]).write_bytes(initial.serialize())
            Path(paths["final_db_path"]).write_bytes(final.serialize())
            kwargs: dict[str, Any] = {k: v for k, v in paths.items() if k in accepted}
            if "final_answer" in accepted:
                kwargs["final_answer"] = answer
            result = fn(**kwargs)
        status = "pass" if isinstance(result, dict) and result.get("result") == "complete" else "fail"
        return {"status": status, "evidence": {"awm": result}, "message": f"AWM verifier: {result!r}"[:300]}

    verifier.__name__ = name
    return verifier


def load_awm_runtime(
    path: Path, image: EnvImage | None
) -> tuple[dict[str, ToolDef], dict[str, Callable[..., Any]]]:
    """Tools (one per API endpoint) and verifiers of an imported AWM env folder."""
    if image is None:
        raise ValueError("the database image could not be built (see schema.sql/seed.sql problems)")
    for module in ("fastapi", "sqlalchemy"):  # imported AWM apps are FastAPI + SQLAlchemy programs
        require_extra(module, "awm")
    app = AWMApp((path / APP_FILE).read_text(encoding="utf-8"), str(path / APP_FILE), image)
    spec = json.loads((path / SPEC_FILE).read_text(encoding="utf-8")) if (path / SPEC_FILE).is_file() else {}
    tools: dict[str, ToolDef] = {}
    for group in spec.get("api_groups", []):
        for endpoint in group.get("endpoints", []):
            if endpoint.get("operation_id") and endpoint.get("path"):
                tool = _endpoint_tool(app, endpoint)
                tools[tool.name] = tool
    codes = (
        json.loads((path / VERIFIERS_FILE).read_text(encoding="utf-8"))
        if (path / VERIFIERS_FILE).is_file()
        else {}
    )
    verifiers = {name: _wrap_verifier(code, name) for name, code in codes.items()}
    return tools, verifiers
