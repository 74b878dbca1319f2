"""Every shipped world served over MCP: its actions become tools and its reference solution solves it.

Worlds are written concurrently by other parts; a world that does not import yet is skipped with the reason.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client

from psignal.errors import PworldsError
from pworlds.serve import WorldServer
from pworlds.serve.target import parse_target

TARGETS = [
    "counter",
    "lemma",
    "spec",
    "toolworld",
    "toolworld:project_tracker",
    "toolworld:clinic_appointments",
]


def _server(target: str) -> WorldServer:
    try:
        return WorldServer(parse_target(target))
    except (ImportError, PworldsError) as exc:
        pytest.skip(f"{target} cannot be served yet: {exc}")


@pytest.mark.parametrize("target", TARGETS)
def test_tools_mirror_the_world_actions(target: str) -> None:
    server = _server(target)

    async def body() -> dict[str, Any]:
        async with Client(server.build(), mode="legacy") as client:
            return {t.name: t for t in (await client.list_tools()).tools}

    tools = anyio.run(body)
    for action, spec in server.actions.items():
        tool = tools[server.names.tool_of[action]]
        assert tool.description == spec.description
        assert tool.input_schema == {"type": "object", **dict(spec.parameters)}


@pytest.mark.parametrize("target", TARGETS)
def test_reference_solution_through_mcp_tools_solves_the_default_task(target: str) -> None:
    server = _server(target)
    probe = server.target.make()
    try:
        probe.reset(task=server.default_task)
        solution = probe.reference_solution()
    finally:
        probe.close()
    if not solution:
        pytest.skip(f"{target} has no reference solution for {server.default_task}")

    async def body() -> list[dict[str, Any]]:
        async with Client(server.build(), mode="legacy") as client:
            results = []
            for action in solution:
                result = await client.call_tool(server.names.tool_of[action["name"]], action["arguments"])
                assert not result.is_error, result.content
                results.append(result.structured_content)
            return results

    results = anyio.run(body)
    assert all(r["valid"] for r in results), [r["observation"].get("text") for r in results if not r["valid"]]
    assert results[-1]["terminated"] is True
    assert results[-1]["reward"] > 0
    assert len(server.registry) == 0  # the session ended, so its episode (and any prover/db) was closed
