"""Tool behaviour through the official ``mcp`` client, connected in-process to the server.

``mode="legacy"`` exercises handshake-era sessions (one episode per connection); the default mode speaks the
stateless 2026-07-28 protocol, where episodes travel as handles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

import anyio
import pytest
from mcp import Client

from psignal.world import ActionSpec, Observation, StepResult, TaskInfo, World
from pworlds.serve import EPISODE_META_KEY, WorldServer
from pworlds.serve.target import ServeTarget, parse_target


def run(body: Callable[[], Awaitable[None]]) -> None:
    anyio.run(body)


def counter_server(**kw: Any) -> WorldServer:
    return WorldServer(parse_target("counter"), **kw)


def test_world_actions_are_tools_with_their_description_and_schema() -> None:
    async def body() -> None:
        async with Client(counter_server().build(), mode="legacy") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
        assert {"plus_one", "minus_one", "reset"} <= set(tools)
        assert {"env_reset", "env_tasks", "env_observe", "env_state", "env_close"} <= set(tools)
        assert tools["plus_one"].description == "Add one to the counter."
        assert tools["plus_one"].input_schema == {"type": "object", "properties": {}}

    run(body)


def test_instructions_document_renamed_tools() -> None:
    server = counter_server()
    assert "plus_one = '+1'" in server.instructions


def test_a_session_solves_counter_and_misuse_after_the_end_is_a_tool_error() -> None:
    async def body() -> None:
        async with Client(counter_server().build(), mode="legacy") as client:
            results = [await client.call_tool("plus_one", {}) for _ in range(5)]
            last = results[-1].structured_content
            assert last["terminated"] is True and last["reward"] == 1.0 and last["valid"] is True
            assert results[0].content[0].text == "counter = 1 (goal 5)"
            after = await client.call_tool("plus_one", {})
            assert after.is_error and "episode has ended" in after.content[0].text
            fresh = await client.call_tool("env_reset", {"task": "reach-10", "seed": 4})
            assert fresh.structured_content["task"] == "reach-10"
            state = (await client.call_tool("env_state", {})).structured_content
            assert (state["steps"], state["seed"], state["terminated"]) == (0, 4, False)

    run(body)


def test_invalid_action_is_a_normal_result_with_penalty_and_unchanged_state() -> None:
    async def body() -> None:
        async with Client(counter_server().build(), mode="legacy") as client:
            bad = await client.call_tool("minus_one", {})  # below the minimum 0
            assert not bad.is_error
            assert bad.structured_content["valid"] is False and bad.structured_content["reward"] == -0.1
            extra = await client.call_tool("plus_one", {"by": 3})
            assert extra.structured_content["valid"] is False and "by" in extra.content[0].text
            observed = (await client.call_tool("env_observe", {})).structured_content
            assert observed["observation"]["value"] == 0
            after = (await client.call_tool("env_state", {})).structured_content
            assert after["steps"] == 2 and after["return"] == pytest.approx(-0.2)

    run(body)


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("plus_onee", {}, "did you mean 'plus_one'"),
        ("env_reset", {"seed": "abc"}, "seed must be an integer"),
        ("env_reset", {"seed": True}, "seed must be an integer"),
        ("env_reset", {"task": "reach-6"}, "did you mean"),
        ("env_reset", {"colour": "red"}, "takes no argument"),
        ("env_observe", {"x": 1}, "takes no argument"),
        ("env_state", {"episode": 5}, "string handle"),
        ("env_state", {"episode": "not-a-handle"}, "unknown or closed episode"),
    ],
)
def test_bad_tool_calls_are_tool_errors_and_the_server_keeps_serving(
    tool: str, arguments: dict[str, Any], message: str
) -> None:
    async def body() -> None:
        async with Client(counter_server().build(), mode="legacy") as client:
            result = await client.call_tool(tool, arguments)
            assert result.is_error and message in result.content[0].text
            ok = await client.call_tool("plus_one", {})
            assert not ok.is_error and ok.structured_content["valid"] is True

    run(body)


def test_stateless_client_without_a_handle_is_told_to_call_env_reset() -> None:
    async def body() -> None:
        async with Client(counter_server().build()) as client:
            assert client.session.protocol_version == "2026-07-28"
            result = await client.call_tool("plus_one", {})
            assert result.is_error and "env_reset" in result.content[0].text

    run(body)


def test_stateless_clients_keep_state_in_handles_by_argument_or_meta() -> None:
    async def body() -> None:
        server = counter_server()
        async with Client(server.build()) as client:
            a = (await client.call_tool("env_reset", {})).structured_content["episode"]
            b = (await client.call_tool("env_reset", {"task": "down-to-0"})).structured_content["episode"]
            assert a != b
            await client.call_tool("plus_one", {"episode": a})
            await client.call_tool("plus_one", {}, meta={EPISODE_META_KEY: a})
            await client.call_tool("minus_one", {"episode": b})
            sa = (await client.call_tool("env_state", {"episode": a})).structured_content
            sb = (await client.call_tool("env_observe", {"episode": b})).structured_content
            assert sa["steps"] == 2 and sa["task"] == "reach-5"
            assert sb["observation"]["value"] == 4
            closed = await client.call_tool("env_close", {"episode": a})
            assert closed.structured_content["closed"] is True
            gone = await client.call_tool("plus_one", {"episode": a})
            assert gone.is_error and "unknown or closed" in gone.content[0].text
            assert len(server.registry) == 1

    run(body)


def test_max_sessions_refuses_new_episodes_until_one_is_closed() -> None:
    async def body() -> None:
        async with Client(counter_server(max_sessions=1).build()) as client:
            first = (await client.call_tool("env_reset", {})).structured_content["episode"]
            full = await client.call_tool("env_reset", {})
            assert full.is_error and "--max-sessions" in full.content[0].text
            await client.call_tool("env_close", {"episode": first})
            again = await client.call_tool("env_reset", {})
            assert not again.is_error

    run(body)


def test_a_session_episode_is_closed_when_the_session_ends() -> None:
    async def body() -> None:
        server = counter_server()
        async with Client(server.build(), mode="legacy") as client:
            await client.call_tool("plus_one", {})
            assert len(server.registry) == 1
        assert len(server.registry) == 0

    run(body)


def test_same_task_seed_and_actions_give_the_same_state_in_two_sessions() -> None:
    async def play() -> str:
        async with Client(counter_server().build(), mode="legacy") as client:
            await client.call_tool("env_reset", {"task": "reach-10", "seed": 7})
            for tool in ("plus_one", "plus_one", "minus_one", "reset", "plus_one"):
                await client.call_tool(tool, {})
            return str((await client.call_tool("env_state", {})).structured_content["state_hash"])

    hashes: list[str] = []

    async def body() -> None:
        hashes.append(await play())
        hashes.append(await play())

    run(body)
    assert hashes[0] == hashes[1]


class _ExplodingWorld(World):
    """A hostile world: ``boom`` raises from inside the world, ``slow`` blocks for a while."""

    name: ClassVar[str] = "exploding"
    version: ClassVar[str] = "1"

    def tasks(self) -> Mapping[str, TaskInfo]:
        return {"only": TaskInfo("only", "Survive.")}

    def actions(self) -> list[ActionSpec]:
        return [ActionSpec("boom", "Raise an exception."), ActionSpec("slow", "Sleep 50 ms.")]

    def _reset(self) -> Observation:
        return self.observe()

    def _step(self, action: dict[str, Any]) -> StepResult:
        if action["name"] == "boom":
            raise RuntimeError("kaboom")
        import time

        time.sleep(0.05)
        return StepResult(self.observe(), 0.0, False, False, True, {})

    def observe(self) -> Observation:
        return {"text": "still here"}

    def _state(self) -> dict[str, Any]:
        return {}

    def _restore(self, state: Mapping[str, Any]) -> None:
        pass


def test_fast_worlds_stay_on_the_event_loop() -> None:
    inline: list[bool] = []

    async def body() -> None:
        server = counter_server()
        cls = server.target.cls
        async with Client(server.build(), mode="legacy") as client:
            for _ in range(40):
                await client.call_tool("env_observe", {})
                inline.append(not server.registry.runs_in_threads(cls))

    run(body)
    # a moving average: an occasional hiccup on a busy machine may not move counter off the loop for good
    assert sum(inline) > len(inline) // 2


def test_an_exception_inside_a_world_is_a_tool_error_not_a_crash() -> None:
    async def body() -> None:
        server = WorldServer(ServeTarget(world="exploding", cls=_ExplodingWorld))
        async with Client(server.build(), mode="legacy") as client:
            boom = await client.call_tool("boom", {})
            assert boom.is_error and "RuntimeError: kaboom" in boom.content[0].text
            observed = await client.call_tool("env_observe", {})
            assert observed.content[0].text == "still here"

    run(body)


def test_slow_worlds_move_off_the_event_loop_so_sessions_overlap() -> None:
    async def body() -> None:
        server = WorldServer(ServeTarget(world="exploding", cls=_ExplodingWorld))
        app = server.build()
        async with Client(app, mode="legacy") as warm:
            await warm.call_tool(
                "slow", {}
            )  # the first slow call makes the class's average cost exceed the budget

        async def one() -> None:
            async with Client(app, mode="legacy") as client:
                assert not (await client.call_tool("slow", {})).is_error

        started = anyio.current_time()
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(one)
        assert anyio.current_time() - started < 8 * 0.05
        assert server.registry.runs_in_threads(_ExplodingWorld)

    run(body)
