"""An AWM FastAPI app run in this process against whichever episode database a tool call brings.

AWM apps are written to own a SQLite file through SQLAlchemy and to be served over HTTP. Here the app's
source is executed once per env, its ``create_engine`` is redirected to the episode's in-memory database
(through a connection proxy whose commit/rollback map to a savepoint inside the runtime's transaction), and
requests go through ``httpx.ASGITransport`` on one shared background loop — no port, no subprocess, no SQL
rebuild per reset.

Trust: the app is user-trusted code. FastAPI/SQLAlchemy apps cannot pass the toolworld AST guard, so they
run unguarded (the SQLite authorizer still forbids ATTACH and extension loading).
"""

from __future__ import annotations

import asyncio
import builtins
import concurrent.futures
import json
import sqlite3
import threading
import time
import types
from typing import Any

from psignal.errors import require_extra
from pworlds.worlds.toolworld.awm_errors import one_line
from pworlds.worlds.toolworld.awm_openapi import OpenAPIError, route_names, spec_from_openapi
from pworlds.worlds.toolworld.episode import EnvImage, open_image
from pworlds.worlds.toolworld.guard import SAVEPOINT_APP


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
        return one_line(detail)
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
