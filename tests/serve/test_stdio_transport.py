"""pworlds' own stdio transport (``pworlds.serve.stdio``): event-loop pipes instead of worker threads.

Real subprocess servers and the real ``mcp`` client; the server under test prints to stdout from inside a
tool (as a chatty world or prover might), receives lines far longer than asyncio's 64 KiB default, and gets
malformed input — none of which may corrupt the wire or stop it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from pworlds.serve.stdio import pollable

NOISY_SERVER = """
import os, sys
import anyio
import mcp_types as types
from mcp.server import Server
from pworlds.serve.run import event_loop_options
from pworlds.serve.stdio import stdio_streams

async def list_tools(ctx, params):
    schema = {"type": "object", "properties": {"text": {"type": "string"}}}
    return types.ListToolsResult(tools=[types.Tool(name="echo", input_schema=schema)])

async def call_tool(ctx, params):
    print("stray print from a tool")          # must not reach the wire
    os.write(1, b"stray write to fd 1\\n")     # nor a raw write to fd 1
    text = (params.arguments or {}).get("text", "")
    return types.CallToolResult(content=[types.TextContent(text=f"{len(text)}:{text[:5]}")])

server = Server("noisy", on_list_tools=list_tools, on_call_tool=call_tool)

async def main():
    async with stdio_streams() as (read, write):
        await server.run(read, write, server.create_initialization_options())
    print("restored stdout after serving", flush=True)

anyio.run(main, backend_options=event_loop_options())
"""


def _noisy(tmp_path: Path) -> StdioServerParameters:
    script = tmp_path / "noisy_server.py"
    script.write_text(NOISY_SERVER)
    return StdioServerParameters(command=sys.executable, args=[str(script)])


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_stray_output_and_long_lines_do_not_corrupt_the_wire(tmp_path: Path, mode: str) -> None:
    big = "x" * 300_000  # one JSON-RPC line of ~300 KB (asyncio's default line limit is 64 KiB)

    async def body() -> None:
        with anyio.fail_after(30):  # a transport that drops a line leaves the client waiting forever
            async with Client(_noisy(tmp_path), mode=mode) as client:
                for text in ("hello", big, "again"):
                    result = await client.call_tool("echo", {"text": text})
                    assert not result.is_error
                    assert result.content[0].text == f"{len(text)}:{text[:5]}"

    anyio.run(body)


def _request(rid: int, method: str, params: dict[str, object]) -> bytes:
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    message = {"jsonrpc": "2.0", "id": rid, "method": method, "params": {**params, "_meta": meta}}
    return json.dumps(message).encode() + b"\n"


def test_malformed_lines_are_skipped_and_eof_ends_the_server_cleanly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pworlds.serve", "counter"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"this is not json\n\n{]\n")
    proc.stdin.write(_request(1, "tools/call", {"name": "plus_one", "arguments": {}}))
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    assert answer["id"] == 1
    assert answer["result"]["structuredContent"]["observation"]["value"] == 1
    proc.stdin.close()  # EOF: the server must stop on its own, with exit code 0
    assert proc.wait(timeout=20) == 0
    assert proc.stdout.read() == b""  # nothing stray after the last answer


def test_stray_output_goes_to_stderr_and_stdout_is_restored_after(tmp_path: Path) -> None:
    """The wire carries only JSON-RPC; what a tool prints lands on stderr; fd 1 is the wire again after."""
    script = tmp_path / "noisy_server.py"
    script.write_text(NOISY_SERVER)
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(_request(7, "tools/call", {"name": "echo", "arguments": {"text": "hi"}}))
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    assert answer["id"] == 7 and answer["result"]["content"][0]["text"] == "2:hi"
    proc.stdin.close()
    assert proc.wait(timeout=20) == 0
    assert proc.stdout.read() == b"restored stdout after serving\n"
    stderr = proc.stderr.read()
    assert b"stray print from a tool" in stderr and b"stray write to fd 1" in stderr


def test_only_pipes_and_sockets_are_driven_by_the_event_loop(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()
    regular = tmp_path / "requests.jsonl"
    regular.write_bytes(b"")
    try:
        assert pollable(read_fd) and pollable(write_fd)
        with regular.open("rb") as handle:
            assert not pollable(handle.fileno())  # regular files: the SDK transport (threads) serves them
    finally:
        os.close(read_fd)
        os.close(write_fd)
    assert not pollable(10_000)  # not an open descriptor at all


def test_sdk_transport_fallback_serves_a_regular_file_as_stdin(tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    requests.write_bytes(_request(1, "server/discover", {}))
    with requests.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "pworlds.serve", "counter"],
            stdin=stdin,
            capture_output=True,
            timeout=30,
        )
    assert done.returncode == 0
    answer = json.loads(done.stdout.splitlines()[0])
    assert answer["id"] == 1 and "counter" in answer["result"]["instructions"]
