"""Run a world's MCP server over stdio or streamable HTTP.

stdio serves exactly one client (the process that spawned us), so a stateless client needs no episode
handle there. Streamable HTTP serves many clients from one process: each handshake-era MCP session gets its
own episode, stateless (2026-07-28) clients use episode handles (see ``pworlds.serve.sessions``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Literal

import anyio

from pworlds.serve.server import WorldServer
from pworlds.serve.target import ServeTarget

if TYPE_CHECKING:
    from pworlds.serve.http_app import McpHttpApp

Transport = Literal["stdio", "http"]
DEFAULT_PORT = 8765
DEFAULT_MAX_SESSIONS = 10_000


def serve_stdio(target: ServeTarget, *, max_sessions: int | None = DEFAULT_MAX_SESSIONS) -> None:
    """Serve on this process's stdin/stdout until the client closes them."""
    from pworlds.serve.stdio import stdio_streams

    adapter = WorldServer(target, max_sessions=max_sessions, single_client=True)
    server = adapter.build()

    async def main() -> None:
        try:
            async with stdio_streams() as (read_stream, write_stream):
                await server.run(read_stream, write_stream, server.create_initialization_options())
        finally:
            adapter.registry.close_all()

    anyio.run(main, backend_options=event_loop_options())


def event_loop_options() -> dict[str, bool]:
    """asyncio with uvloop when it is installed: a cheaper event loop for every message of every call."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return {}
    return {"use_uvloop": True}


def serve_http(
    target: ServeTarget,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    max_sessions: int | None = DEFAULT_MAX_SESSIONS,
    log_level: str = "warning",
) -> None:
    """Serve streamable HTTP at ``http://HOST:PORT/mcp`` until interrupted."""
    import uvicorn

    adapter = WorldServer(target, max_sessions=max_sessions)
    app = http_app(adapter, host=host, max_sessions=max_sessions)
    print(f"pworlds serve: {target.world} on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, **UVICORN_OPTIONS)
    finally:
        adapter.registry.close_all()


UVICORN_OPTIONS: dict[str, Any] = {
    "lifespan": "on",
    "access_log": False,  # a log line per call
    "proxy_headers": False,  # an extra middleware per request; nothing here reads the client address
    "server_header": False,
}
"""uvicorn settings for the MCP endpoint; uvicorn picks httptools and uvloop by itself when installed."""


def http_app(adapter: WorldServer, *, host: str, max_sessions: int | None) -> McpHttpApp:
    """The ASGI app serving ``adapter`` at ``/mcp``: the SDK's session manager without Starlette around it.

    JSON responses (``json_response=True``): every pworlds tool answers with one result and sends no
    progress notifications, so an SSE stream per call would only add framing on both sides.
    """
    from pworlds.serve.http_app import McpHttpApp, session_manager

    manager = session_manager(adapter.build(), host=host, json_response=True, max_sessions=max_sessions)
    return McpHttpApp(manager)
