"""The thin ASGI app in front of the SDK's session manager keeps the SDK's HTTP semantics.

Raw HTTP (httpx, one keep-alive connection) against a real ``pworlds serve counter --transport http``
subprocess: session ids, DELETE, the 2026-07-28 stateless path, the DNS-rebinding and body-size checks, and
what happens off the endpoint path.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

LEGACY = "2025-11-25"
MODERN = "2026-07-28"
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def _initialize(http: httpx.Client, url: str) -> str:
    init = http.post(
        url,
        headers=JSON_HEADERS,
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": LEGACY,
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        },
    )
    assert init.status_code == 200, init.text
    session = init.headers["mcp-session-id"]
    done = http.post(
        url,
        headers={**JSON_HEADERS, "Mcp-Session-Id": session, "MCP-Protocol-Version": LEGACY},
        json={"jsonrpc": "2.0", "method": "notifications/initialized"},
    )
    assert done.status_code == 202
    return session


def _call(
    http: httpx.Client, url: str, headers: dict[str, str], name: str, args: dict[str, Any]
) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": name, "arguments": args}}
    return http.post(url, headers={**JSON_HEADERS, **headers}, content=json.dumps(body))


def test_legacy_session_lives_until_delete_and_its_episode_goes_with_it(
    counter_http: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, url = counter_http
    with httpx.Client(timeout=10) as http:
        session = _initialize(http, url)
        headers = {"Mcp-Session-Id": session, "MCP-Protocol-Version": LEGACY}
        reset = _call(http, url, headers, "env_reset", {}).json()["result"]
        handle = reset["structuredContent"]["episode"]
        step = _call(http, url, headers, "plus_one", {}).json()["result"]
        assert step["structuredContent"]["observation"]["value"] == 1

        assert http.delete(url, headers=headers).status_code == 200
        gone = _call(http, url, headers, "plus_one", {})
        assert gone.status_code == 404  # the SDK forgets a deleted session at once

    async def stateless_use_of_the_old_handle() -> None:
        async with Client(url) as client:
            result = await client.call_tool("plus_one", {"episode": handle})
            assert result.is_error and "unknown or closed" in result.content[0].text

    anyio.run(stateless_use_of_the_old_handle)


def test_unknown_session_id_is_404_and_a_call_without_one_is_refused(
    counter_http: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, url = counter_http
    with httpx.Client(timeout=10) as http:
        unknown = _call(
            http, url, {"Mcp-Session-Id": "f" * 32, "MCP-Protocol-Version": LEGACY}, "plus_one", {}
        )
        assert unknown.status_code == 404
        no_session = _call(http, url, {}, "plus_one", {})
        assert no_session.status_code == 400  # only initialize may open a session


def test_stateless_request_is_served_without_a_session_header(
    counter_http: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, url = counter_http
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "env_tasks", "_meta": meta}}
    headers = {
        **JSON_HEADERS,
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": "tools/call",
        "Mcp-Name": "env_tasks",
    }
    with httpx.Client(timeout=10) as http:
        reply = http.post(url, headers=headers, content=json.dumps(body))
        assert reply.status_code == 200
        assert "mcp-session-id" not in reply.headers
        assert reply.json()["result"]["structuredContent"]["default"]
        # the header must agree with the body (the SDK's check still runs)
        mismatch = http.post(url, headers={**headers, "Mcp-Name": "env_state"}, content=json.dumps(body))
        assert mismatch.status_code == 400


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Host": "evil.example:80"}, 421), ({"Origin": "http://evil.example"}, 403)],
)
def test_dns_rebinding_protection_still_guards_a_localhost_server(
    counter_http: tuple[subprocess.Popen[bytes], str], headers: dict[str, str], status: int
) -> None:
    _, url = counter_http
    with httpx.Client(timeout=10) as http:
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        assert http.post(url, headers={**JSON_HEADERS, **headers}, json=body).status_code == status


def test_oversized_body_and_wrong_content_type_are_refused(
    counter_http: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, url = counter_http
    with httpx.Client(timeout=10) as http:
        huge = http.post(url, headers=JSON_HEADERS, content=b"{" + b" " * (5 * 1024 * 1024) + b"}")
        assert huge.status_code == 413
        text = http.post(url, headers={**JSON_HEADERS, "Content-Type": "text/plain"}, content=b"{}")
        assert text.status_code == 400
        garbage = http.post(
            url, headers={**JSON_HEADERS, "MCP-Protocol-Version": MODERN}, content=b"{not json"
        )
        assert garbage.status_code == 400 and garbage.json()["error"]["code"] == -32700


def test_other_paths_are_404_and_a_trailing_slash_redirects(
    counter_http: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, url = counter_http
    base = url.removesuffix("/mcp")
    with httpx.Client(timeout=10) as http:
        assert http.get(base + "/").status_code == 404
        assert http.post(base + "/nope", json={}).status_code == 404
        slash = http.get(url + "/")
        assert slash.status_code == 307 and slash.headers["location"] == "/mcp"


def test_server_shuts_down_cleanly_on_sigint(http_server: Any) -> None:
    import signal

    proc, url = http_server("counter")
    with httpx.Client(timeout=10) as http:
        _initialize(http, url)  # one open session: shutdown must end it, not hang on it
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read().decode()


def test_only_tools_that_declare_header_parameters_hand_their_schema_to_the_header_check() -> None:
    from pworlds.serve.server import WorldServer, _declares_headers
    from pworlds.serve.target import parse_target

    adapter = WorldServer(parse_target("counter"))
    assert all(adapter.input_schema(tool.name) is None for tool in adapter.tools)
    declared = {"type": "object", "properties": {"region": {"type": "string", "x-mcp-header": "Region"}}}
    nested = {"type": "object", "properties": {"a": {"anyOf": [{"x-mcp-header": "A", "type": "string"}]}}}
    assert _declares_headers(declared) and _declares_headers(nested)
    assert not _declares_headers({"type": "object", "properties": {"episode": {"type": "string"}}})
