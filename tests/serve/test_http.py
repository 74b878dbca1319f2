"""End to end over streamable HTTP: one server subprocess, many official clients at once."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from mcp import Client

SESSIONS = 100


async def _play_session(url: str, k: int, mode: str, out: dict[int, dict[str, Any]]) -> None:
    """Session k takes k % 7 steps of +1 then reads its state; stateless clients carry a handle."""
    async with Client(url, mode=mode) as client:
        reset = await client.call_tool("env_reset", {"task": "reach-10"})
        # a handshake-era session owns its episode; a stateless client carries the handle itself
        args: dict[str, Any] = {} if mode == "legacy" else {"episode": reset.structured_content["episode"]}
        for _ in range(k % 7):
            step = await client.call_tool("plus_one", dict(args))
            assert not step.is_error, step.content
        observed = (await client.call_tool("env_observe", dict(args))).structured_content
        state = (await client.call_tool("env_state", dict(args))).structured_content
        out[k] = {"value": observed["observation"]["value"], **state}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_100_concurrent_sessions_on_one_server_do_not_share_state(
    counter_http: tuple[subprocess.Popen[bytes], str], mode: str
) -> None:
    _, url = counter_http
    out: dict[int, dict[str, Any]] = {}

    async def body() -> None:
        async with anyio.create_task_group() as tg:
            for k in range(SESSIONS):
                tg.start_soon(_play_session, url, k, mode, out)

    anyio.run(body)
    assert len(out) == SESSIONS
    for k, state in out.items():
        assert state["value"] == k % 7, (k, state)
        assert state["steps"] == k % 7
    assert len({s["episode"] for s in out.values()}) == SESSIONS
    # same number of steps from the same task and seed -> same world state, in every session
    by_steps: dict[int, set[str]] = {}
    for state in out.values():
        by_steps.setdefault(state["steps"], set()).add(state["state_hash"])
    assert all(len(hashes) == 1 for hashes in by_steps.values())


def test_stateless_http_call_without_a_handle_is_a_clear_tool_error(
    counter_http: tuple[subprocess.Popen[bytes], str],
) -> None:
    _, url = counter_http

    async def body() -> None:
        async with Client(url) as client:
            result = await client.call_tool("plus_one", {})
            assert result.is_error and "env_reset" in result.content[0].text
            # another client's handle cannot be guessed; a made-up one is refused
            bogus = await client.call_tool("plus_one", {"episode": "A" * 22})
            assert bogus.is_error and "unknown or closed" in bogus.content[0].text

    anyio.run(body)


def test_http_server_keeps_serving_after_bad_calls(counter_http: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, url = counter_http

    async def body() -> None:
        async with Client(url, mode="legacy") as client:
            assert (await client.call_tool("nope", {})).is_error
            assert (await client.call_tool("env_reset", {"task": 5})).is_error
            assert (await client.call_tool("plus_one", {"x": None})).structured_content["valid"] is False
            assert (await client.call_tool("plus_one", {})).structured_content["valid"] is True

    anyio.run(body)
    assert proc.poll() is None


def test_http_max_sessions_is_enforced_per_server(
    http_server: Callable[..., tuple[subprocess.Popen[bytes], str]],
) -> None:
    _, url = http_server("counter", "--max-sessions", "2")

    async def body() -> None:
        async with Client(url) as client:
            assert not (await client.call_tool("env_reset", {})).is_error
            assert not (await client.call_tool("env_reset", {})).is_error
            third = await client.call_tool("env_reset", {})
            assert third.is_error and "--max-sessions" in third.content[0].text

    anyio.run(body)
