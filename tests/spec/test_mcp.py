"""The agent tools over MCP (official ``mcp`` client, in-process server): edit, then run_tests."""

from __future__ import annotations

import anyio
from mcp import Client

from pworlds.serve import WorldServer
from pworlds.serve.target import parse_target
from pworlds.worlds.spec.task import builtin_template, read_fix


def test_spec_tools_over_mcp_solve_fizzbuzz() -> None:
    fix = read_fix(builtin_template("fizzbuzz"))["fizzbuzz.py"]

    async def body() -> None:
        async with Client(WorldServer(parse_target("spec")).build(), mode="legacy") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert {"run_tests", "list_files", "read_file", "write_file", "replace_in_file"} <= set(tools)
            assert tools["write_file"].input_schema["required"] == ["path", "content"]
            listing = await client.call_tool("list_files", {})
            assert "fizzbuzz.py" in listing.content[0].text
            refused = await client.call_tool("write_file", {"path": "tests/test_fizzbuzz.py", "content": ""})
            assert refused.structured_content["valid"] is False
            failing = await client.call_tool("run_tests", {})
            assert failing.structured_content["terminated"] is False
            assert "3/5 tests pass" in failing.content[0].text
            edit = await client.call_tool("write_file", {"path": "fizzbuzz.py", "content": fix})
            assert edit.structured_content["valid"] is True
            passing = await client.call_tool("run_tests", {})
            assert passing.structured_content["terminated"] is True
            assert passing.structured_content["reward"] == 1.0

    anyio.run(body)
