"""End to end over stdio: the official client spawns ``python -m pworlds.serve`` as a subprocess."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters


def _params(*args: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "pworlds.serve", *args])


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_stdio_client_solves_counter_in_either_protocol_era(mode: str) -> None:
    async def body() -> None:
        async with Client(_params("counter", "--task", "reach-10"), mode=mode) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"plus_one", "minus_one", "reset", "env_reset"} <= names
            for _ in range(9):
                step = await client.call_tool("plus_one", {})
                assert step.structured_content["terminated"] is False
            final = await client.call_tool("plus_one", {})
            assert final.structured_content == {
                "observation": {"text": "counter = 10 (goal 10)", "value": 10, "goal": 10},
                "reward": 1.0,
                "terminated": True,
                "truncated": False,
                "valid": True,
                "info": {},
            }
            state = (await client.call_tool("env_state", {})).structured_content
            assert state["task"] == "reach-10" and state["steps"] == 10
            assert state["return"] == pytest.approx(1.0 - 9 * 0.01)

    anyio.run(body)


def test_stdio_server_survives_bad_calls() -> None:
    async def body() -> None:
        async with Client(_params("counter")) as client:
            assert (await client.call_tool("no_such_tool", {})).is_error
            assert (await client.call_tool("env_reset", {"seed": [1]})).is_error
            invalid = await client.call_tool("minus_one", {})
            assert not invalid.is_error and invalid.structured_content["valid"] is False
            ok = await client.call_tool("plus_one", {})
            assert ok.structured_content["observation"]["value"] == 1

    anyio.run(body)


def test_stdio_server_honours_max_steps_from_set_as_truncation() -> None:
    async def body() -> None:
        async with Client(_params("counter", "--set", "max_steps=2"), mode="legacy") as client:
            await client.call_tool("plus_one", {})
            second = (await client.call_tool("plus_one", {})).structured_content
            assert second["truncated"] is True and second["terminated"] is False
            after = await client.call_tool("plus_one", {})
            assert after.is_error and "env_reset" in after.content[0].text

    anyio.run(body)


def test_pworlds_console_script_serves_over_stdio() -> None:
    script = Path(sys.executable).parent / "pworlds"
    if not script.exists():
        pytest.skip("the pworlds console script is not installed in this environment")

    async def body() -> None:
        params = StdioServerParameters(command=str(script), args=["serve", "counter", "--task", "down-to-0"])
        async with Client(params) as client:
            step = await client.call_tool("minus_one", {})
            assert step.structured_content["observation"]["value"] == 4

    anyio.run(body)
