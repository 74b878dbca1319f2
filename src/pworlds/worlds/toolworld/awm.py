"""Agent World Model (AWM) compatibility: import the published JSONL layout, run its apps in-process.

The AWM-1K dataset keeps each scenario as rows of JSONL files: ``gen_scenario`` (name, description),
``gen_tasks`` (scenario, tasks), ``gen_db`` (scenario, db_schema.tables[].ddl/indexes), ``gen_sample``
(scenario, sample_data.tables[].insert_statements), ``gen_spec`` (scenario, api_spec.api_groups[].endpoints[]),
``gen_envs`` (scenario, full_code: a FastAPI + SQLAlchemy app) and ``gen_verifier`` /
``gen_verifier.pure_code`` (scenario, task_idx, verification.code defining
``verify_task_completion(initial_db_path, final_db_path, final_answer=None) -> {"result": "complete"|"others"}``).

``import_awm`` writes one pworlds env folder per scenario (env.yaml with generator ``awm-import``,
schema.sql, seed.sql, tasks.yaml, plus ``awm_app.py``, ``awm_spec.json`` and ``awm_verifiers.json``).
A scenario without a ``gen_spec`` row gets its tools from the app's own ``app.openapi()``
(``awm_openapi``). Task entries may be plain text (as published) or ``{"task": text, ...}`` with pworlds
task keys (``solution``, ``answer``, ``negative``, ``tags``) so ``pworlds env check`` can run a reference
solution. Scenarios are staged and loaded as the runtime will before anything lands in the output folder;
each failure is one line naming the source file and scenario.

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
import shutil
import sqlite3
import tempfile
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from psignal.errors import UsageError, require_extra
from pworlds.worlds.toolworld.awm_openapi import OpenAPIError, route_names, spec_from_openapi, tools_from_spec
from pworlds.worlds.toolworld.episode import EnvImage, open_image
from pworlds.worlds.toolworld.guard import SAVEPOINT_APP, Problem
from pworlds.worlds.toolworld.tools import ToolDef

APP_FILE, SPEC_FILE, VERIFIERS_FILE = "awm_app.py", "awm_spec.json", "awm_verifiers.json"


class AWMImportError(UsageError):
    """The AWM source folder is missing files or has malformed rows."""


# ----------------------------------------------------------------------------- import
_NEEDED = ("gen_scenario.jsonl", "gen_tasks.jsonl", "gen_db.jsonl", "gen_sample.jsonl", "gen_envs.jsonl")
_VERIFIER_FILES = ("gen_verifier.pure_code.jsonl", "gen_verifier.jsonl")
_VERIFIER_TIMEOUT_S = 30.0


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AWMImportError(f"{path}: cannot read ({_one_line(exc)})") from exc
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AWMImportError(f"{path}:{lineno}: not JSON ({exc.msg}); fix or drop the line") from exc
        if not isinstance(row, dict):
            raise AWMImportError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
        rows.append(row)
    return rows


def _by_scenario(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r.get("scenario") or r.get("name")): r for r in rows if r.get("scenario") or r.get("name")}


def env_id_for(scenario: str) -> str:
    ident = re.sub(r"[^a-z0-9]+", "_", scenario.lower()).strip("_") or "scenario"
    return ident if ident[0].isalpha() else f"awm_{ident}"


def _sql(statement: str) -> str:
    statement = statement.strip()
    return statement if statement.endswith(";") else statement + ";"


@dataclass
class _Source:
    """The AWM JSONL rows of a dataset folder, indexed by scenario (verifier code by scenario and task)."""

    folder: Path
    rows: dict[str, dict[str, dict[str, Any]]]
    specs: dict[str, dict[str, Any]]
    verifiers: dict[str, dict[int, str]]
    verifier_file: Path | None

    @classmethod
    def read(cls, folder: Path) -> _Source:
        if not folder.is_dir():
            raise AWMImportError(f"{folder} is not a folder; pass the folder holding gen_scenario.jsonl etc.")
        missing = [n for n in _NEEDED if not (folder / n).is_file()]
        if missing:
            raise AWMImportError(f"{folder} is not an AWM dataset folder: missing {', '.join(missing)}")
        verifier_file = next((folder / n for n in _VERIFIER_FILES if (folder / n).is_file()), None)
        rows = {n: _by_scenario(_read_jsonl(folder / n)) for n in _NEEDED}
        spec_file = folder / "gen_spec.jsonl"
        specs = _by_scenario(_read_jsonl(spec_file)) if spec_file.is_file() else {}
        verifiers: dict[str, dict[int, str]] = {}
        for row in _read_jsonl(verifier_file) if verifier_file else []:
            verification = row.get("verification")
            code = (verification.get("code") if isinstance(verification, dict) else None) or row.get("code")
            if row.get("scenario") is None or row.get("task_idx") is None or not code:
                continue
            try:
                verifiers.setdefault(str(row["scenario"]), {})[int(row["task_idx"])] = str(code)
            except (TypeError, ValueError) as exc:
                raise AWMImportError(
                    f"{verifier_file}: scenario {row['scenario']!r}: task_idx {row['task_idx']!r} is not a number"
                ) from exc
        return cls(folder, rows, specs, verifiers, verifier_file)

    def where(self, fname: str, scenario: str) -> str:
        """``<source file>: scenario '<name>'`` — how import errors point at the row at fault."""
        return f"{self.folder / fname}: scenario {scenario!r}"

    @property
    def verifier_name(self) -> str:
        return self.verifier_file.name if self.verifier_file else _VERIFIER_FILES[-1]


def import_awm(
    source: Path | str, out: Path | str, *, scenarios: list[str] | None = None, check: bool = True
) -> list[Path]:
    """Write one env folder per AWM scenario under ``out``; returns the folders written.

    All scenarios are written into a staging folder inside ``out`` and checked there (the app loads, its tools
    are derived, every verifier runs once on the untouched DB without raising); only when every scenario
    passes are the folders moved into place, so a failed import leaves ``out`` as it was.
    """
    src = _Source.read(Path(source))
    out = Path(out)
    names = scenarios or sorted(src.rows["gen_scenario.jsonl"])
    env_ids: dict[str, str] = {}
    for name in names:
        if name not in src.rows["gen_scenario.jsonl"]:
            raise AWMImportError(f"scenario {name!r} is not in {src.folder / 'gen_scenario.jsonl'}")
        for n in _NEEDED[1:]:
            if name not in src.rows[n]:
                raise AWMImportError(f"scenario {name!r} has no row in {src.folder / n}")
        env_id = env_id_for(name)
        if env_id in env_ids:
            raise AWMImportError(
                f"{src.folder / 'gen_scenario.jsonl'}: scenarios {env_ids[env_id]!r} and {name!r} both map to "
                f"env id {env_id!r}; import them separately with --scenario"
            )
        env_ids[env_id] = name
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".awm-import-", dir=out))
    except OSError as exc:
        raise AWMImportError(f"{out}: cannot write the env folders ({_one_line(exc)})") from exc
    try:
        staged = []
        for name in names:
            folder = _write_env(staging, name, src)
            _prepare(folder, name, src, check=check)
            staged.append(folder)
        written = []
        for folder in staged:
            target = out / folder.name
            if target.exists():
                shutil.rmtree(target)
            folder.rename(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _tasks(name: str, src: _Source) -> list[dict[str, Any]]:
    from pydantic import ValidationError

    from pworlds.worlds.toolworld.envformat import TaskSpec

    raw = src.rows["gen_tasks.jsonl"][name].get("tasks")
    if not isinstance(raw, list):
        raise AWMImportError(f"{src.where('gen_tasks.jsonl', name)}: 'tasks' must be a list of task texts")
    tasks = []
    for i, entry in enumerate(raw):
        task: dict[str, Any] = {"id": f"task_{i}", "verifier": f"verify_task_{i}"}
        if isinstance(entry, dict):  # {"task": text, optional pworlds keys: solution, answer, negative, tags}
            extra = {k: v for k, v in entry.items() if k not in ("task", "instruction", "task_idx")}
            task["instruction"] = str(entry.get("task") or entry.get("instruction") or "")
            task.update(extra)
        else:
            task["instruction"] = str(entry)
        try:
            TaskSpec.model_validate(task)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise AWMImportError(
                f"{src.where('gen_tasks.jsonl', name)}: task {i}: {'.'.join(map(str, err['loc']))}: {err['msg']}"
            ) from exc
        tasks.append(task)
    return tasks


def _write_env(out: Path, name: str, src: _Source) -> Path:
    env_id = env_id_for(name)
    folder = out / env_id
    folder.mkdir(parents=True)
    scenario = src.rows["gen_scenario.jsonl"][name]
    meta = {
        "id": env_id,
        "title": name.replace("_", " ").strip().capitalize(),
        "description": str(scenario.get("description", "") or name),
        "domain": "awm",
        "version": "1",
        "provenance": {"generator": "awm-import", "seed": None, "model": None},
        "verification": "code",
    }
    (folder / "env.yaml").write_text(
        yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    schema_lines = []
    db = src.rows["gen_db.jsonl"][name].get("db_schema")
    for table in (db or {}).get("tables", []) if isinstance(db, dict) else []:
        if table.get("ddl"):
            schema_lines.append(_sql(table["ddl"]))
        schema_lines += [
            _sql(i).replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
            for i in table.get("indexes", [])
        ]
    if not schema_lines:
        raise AWMImportError(f"{src.where('gen_db.jsonl', name)}: no db_schema.tables[].ddl")
    (folder / "schema.sql").write_text("\n".join(schema_lines) + "\n", encoding="utf-8")
    sample = src.rows["gen_sample.jsonl"][name].get("sample_data")
    seed_lines = [
        _sql(s)
        for table in ((sample or {}).get("tables", []) if isinstance(sample, dict) else [])
        for s in table.get("insert_statements", [])
    ]
    (folder / "seed.sql").write_text("\n".join(seed_lines) + "\n", encoding="utf-8")
    (folder / "tasks.yaml").write_text(
        yaml.safe_dump({"tasks": _tasks(name, src)}, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    code = src.rows["gen_envs.jsonl"][name].get("full_code")
    if not isinstance(code, str) or not code.strip():
        raise AWMImportError(f"{src.where('gen_envs.jsonl', name)}: no 'full_code' (the FastAPI app source)")
    (folder / APP_FILE).write_text(code, encoding="utf-8")
    spec = src.specs.get(name)
    if spec is not None:
        if not isinstance(spec.get("api_spec"), dict):
            raise AWMImportError(f"{src.where('gen_spec.jsonl', name)}: no 'api_spec' object")
        (folder / SPEC_FILE).write_text(json.dumps(spec["api_spec"], indent=1), encoding="utf-8")
    verifiers = src.verifiers.get(name, {})
    (folder / VERIFIERS_FILE).write_text(
        json.dumps({f"verify_task_{i}": code for i, code in sorted(verifiers.items())}, indent=1),
        encoding="utf-8",
    )
    return folder


def _prepare(folder: Path, name: str, src: _Source, *, check: bool) -> None:
    """Load the staged env as the runtime will; derive tools from OpenAPI when there is no gen_spec row.

    Each failure is one line naming the source file and scenario; with ``check`` every verifier also runs
    once on the untouched DB (doing nothing) and must return instead of raising.
    """
    from pworlds.worlds.toolworld.loader import build_image, inspect_env
    from pworlds.worlds.toolworld.verify import run_code_verifier

    if not check and (folder / SPEC_FILE).is_file():
        return
    problems: list[Problem] = []
    image = build_image(folder, problems)
    if image is None:
        first = problems[0] if problems else Problem("schema.sql", 0, "the database could not be built")
        origin = "gen_db.jsonl" if first.file == "schema.sql" else "gen_sample.jsonl"
        raise AWMImportError(
            f"{src.where(origin, name)}: {_one_line(first.message)} ({first.file}:{first.line})"
        )
    try:
        app = AWMApp((folder / APP_FILE).read_text(encoding="utf-8"), str(folder / APP_FILE), image)
    except Exception as exc:
        raise AWMImportError(
            f"{src.where('gen_envs.jsonl', name)}: the app does not load: {type(exc).__name__}: {_one_line(exc)}"
        ) from exc
    if not (folder / SPEC_FILE).is_file():
        try:
            spec = spec_from_app(app.app)
        except Exception as exc:
            raise AWMImportError(
                f"{src.where('gen_envs.jsonl', name)}: no gen_spec row and the app's OpenAPI cannot be read: "
                f"{_one_line(exc)}"
            ) from exc
        (folder / SPEC_FILE).write_text(json.dumps(spec, indent=1), encoding="utf-8")
    if not check:
        return
    verifier_where = src.where(src.verifier_name, name)
    codes: dict[str, str] = json.loads((folder / VERIFIERS_FILE).read_text(encoding="utf-8"))
    for vname, code in codes.items():
        try:
            fn = _wrap_verifier(code, vname)
        except Exception as exc:
            raise AWMImportError(
                f"{verifier_where}: task_idx {vname.rsplit('_', 1)[-1]}: the verifier does not load: "
                f"{type(exc).__name__}: {_one_line(exc)}"
            ) from exc
        initial, final = open_image(image.data), open_image(image.data)
        try:
            verdict = run_code_verifier(fn, initial, final, None, _VERIFIER_TIMEOUT_S)
        finally:
            initial.close()
            final.close()
        if verdict.status == "verifier_error":
            raise AWMImportError(
                f"{verifier_where}: task_idx {vname.rsplit('_', 1)[-1]}: the verifier fails on the untouched "
                f"database: {_one_line(verdict.message)} (fix the row, or import with --no-check)"
            )
    _, problems = inspect_env(folder)
    if problems:
        first = problems[0]
        origin = _ORIGIN.get(first.file, src.verifier_name if "verif" in first.file else "gen_envs.jsonl")
        raise AWMImportError(
            f"{src.where(origin, name)}: {first.file}:{first.line}: {_one_line(first.message)}"
        )


_ORIGIN = {
    "env.yaml": "gen_scenario.jsonl",
    "schema.sql": "gen_db.jsonl",
    "seed.sql": "gen_sample.jsonl",
    "tasks.yaml": "gen_tasks.jsonl",
    APP_FILE: "gen_envs.jsonl",
    SPEC_FILE: "gen_spec.jsonl",
}
"""Which AWM source file an env-folder file was written from (to point import errors at the source)."""


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


def _fastapi_instance(namespace: dict[str, Any], filename: str) -> Any:
    """The module's ``app`` if it is a FastAPI instance, else its only FastAPI instance."""
    from fastapi import FastAPI

    app = namespace.get("app")
    if isinstance(app, FastAPI):
        return app
    found = [v for k, v in namespace.items() if isinstance(v, FastAPI) and not k.startswith("__")]
    if len(found) == 1:
        return found[0]
    raise ValueError(
        f"{filename} defines no FastAPI instance (expected a module-level 'app = FastAPI(...)')"
        if not found
        else f"{filename} defines {len(found)} FastAPI instances and none is named 'app'"
    )


class AWMApp:
    """An AWM FastAPI app loaded once, serving whichever episode connection is bound per request."""

    def __init__(self, source: str, filename: str, image: EnvImage, request_timeout_s: float = 30.0) -> None:
        for module in ("fastapi", "sqlalchemy", "httpx"):  # AWM apps are FastAPI + SQLAlchemy programs
            require_extra(module, "awm")
        import httpx
        import sqlalchemy
        from sqlalchemy.pool import StaticPool

        self.proxy = _ConnectionProxy()
        self.lock = threading.Lock()
        self.request_timeout_s = request_timeout_s
        # trusted-by-user code (see module docstring); dont_inherit: not this module's postponed annotations
        code = compile(source, filename, "exec", dont_inherit=True)
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
            exec(code, namespace)
        except SystemExit as exc:  # a script-style app must not end the process that loads it
            raise RuntimeError(f"{filename} called exit({exc.code})") from exc
        finally:
            scratch.close()
            self.proxy.target = None
        self.app = _fastapi_instance(namespace, filename)
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
            raise ValueError(f"HTTP {response.status_code}: {_detail_text(body)}"[:500])
        return body


def _detail_text(body: Any) -> str:
    """FastAPI's error body as one line: ``detail`` text, or ``field: message`` per validation error."""
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, str):
        return _one_line(detail)
    if isinstance(detail, list) and all(isinstance(d, dict) and "msg" in d for d in detail):
        return "; ".join(
            f"{'.'.join(str(x) for x in d.get('loc', []) if x not in ('body', 'query', 'path'))}: {d['msg']}"
            for d in detail
        )
    return json.dumps(detail, default=str)


def spec_from_app(app: Any) -> dict[str, Any]:
    """The tool spec (gen_spec shape) of a loaded FastAPI app, read from ``app.openapi()``."""
    openapi = getattr(app, "openapi", None)
    if not callable(openapi):
        raise OpenAPIError(f"the app ({type(app).__name__}) has no openapi(); is it a FastAPI instance?")
    return spec_from_openapi(openapi(), route_names(app))


def _wrap_verifier(code: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": f"pworlds_awm_{name}"}
    exec(compile(code, f"{VERIFIERS_FILE}:{name}", "exec", dont_inherit=True), namespace)  # trusted code
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
    app = AWMApp((path / APP_FILE).read_text(encoding="utf-8"), str(path / APP_FILE), image)
    spec = json.loads((path / SPEC_FILE).read_text(encoding="utf-8")) if (path / SPEC_FILE).is_file() else {}
    if not spec.get("api_groups"):  # no gen_spec row (or a hand-made folder): the app describes itself
        spec = spec_from_app(app.app)
    tools = tools_from_spec(app.request, spec)
    codes = (
        json.loads((path / VERIFIERS_FILE).read_text(encoding="utf-8"))
        if (path / VERIFIERS_FILE).is_file()
        else {}
    )
    verifiers = {name: _wrap_verifier(code, name) for name, code in codes.items()}
    return tools, verifiers
