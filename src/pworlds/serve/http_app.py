"""The ASGI app behind ``pworlds serve --transport http``: the SDK's session manager at one path, no more.

``Server.streamable_http_app()`` wraps the SDK's ``StreamableHTTPSessionManager`` in a Starlette app (error
and exception middleware, a router, a lifespan wrapper) and uvicorn adds its proxy-headers middleware. With
no auth and a single endpoint none of that does anything for us, yet it cost about a tenth of the server's
time per call. This app keeps exactly what the SDK's own app does for a single endpoint without auth:

* requests to ``path`` go to the session manager (sessions, ``Mcp-Session-Id``, DELETE, stateless
  2026-07-28 requests, the body-size limit and DNS-rebinding protection are all the SDK's);
* the ASGI lifespan runs the session manager (and with it the server's own lifespan);
* ``path + "/"`` is redirected to ``path`` (as Starlette's router did) and any other path is a 404.

Unhandled errors inside a request are left to uvicorn, which answers 500 and logs them, as before.
"""

from __future__ import annotations

from typing import Any

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import Receive, Scope, Send

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def session_manager(
    server: Any, *, host: str, json_response: bool, max_sessions: int | None
) -> StreamableHTTPSessionManager:
    """The SDK's session manager, set up as ``Server.streamable_http_app(host=host, ...)`` sets it up."""
    security = None
    if host in LOCAL_HOSTS:  # the SDK's default: DNS-rebinding protection for a server bound to localhost
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
        )
    return StreamableHTTPSessionManager(
        app=server, json_response=json_response, security_settings=security, max_sessions=max_sessions
    )


class McpHttpApp:
    """ASGI app: ``manager`` at ``path``, its lifespan on the ASGI lifespan, 404 elsewhere."""

    def __init__(self, manager: StreamableHTTPSessionManager, path: str = "/mcp") -> None:
        self.manager = manager
        self.path = path
        self._slash = path + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path == self.path:
                await self.manager.handle_request(scope, receive, send)
            elif path == self._slash:
                await _plain(send, 307, b"", [(b"location", self.path.encode())])
            else:
                await _plain(send, 404, b"Not Found")
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        # websocket: not served; returning without accepting makes the server refuse the upgrade

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        started = False
        try:
            async with self.manager.run():
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()  # lifespan.shutdown
        except BaseException as exc:
            kind = "lifespan.shutdown.failed" if started else "lifespan.startup.failed"
            await send({"type": kind, "message": f"{type(exc).__name__}: {exc}"})
            raise
        await send({"type": "lifespan.shutdown.complete"})


async def _plain(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    head = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
