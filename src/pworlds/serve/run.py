"""Run a world's MCP server over stdio or streamable HTTP.

stdio serves exactly one client (the process that spawned us), so a stateless client needs no episode
handle there. Streamable HTTP serves many clients from one process: each handshake-era MCP session gets its
own episode, stateless (2026-07-28) clients use episode handles (see ``pworlds.serve.sessions``).
"""

from __future__ import annotations

import sys
from typing import Literal

import anyio

from pworlds.serve.server import WorldServer
from pworlds.serve.target import ServeTarget

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
    app = adapter.build().streamable_http_app(host=host, max_sessions=max_sessions, json_response=True)
    print(f"pworlds serve: {target.world} on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="on", access_log=False)
    finally:
        adapter.registry.close_all()
