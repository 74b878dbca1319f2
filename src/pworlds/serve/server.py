"""Build the MCP server for one world target with the official ``mcp`` SDK (low-level ``Server`` API).

Tools are dynamic (a toolworld env has dozens, with JSON schemas), so they are listed from
``World.actions()`` rather than declared as Python functions. Each world action is one tool with the same
description and input schema; calling it steps the caller's episode and returns the observation text as
content plus ``{"observation", "reward", "terminated", "truncated", "valid", "info"}`` as structured
content. An invalid action is an ordinary result with ``valid: false`` (the world's penalty applies); misuse
(stepping after the end, an unknown tool, malformed control arguments) is an MCP tool error
(``isError: true``) with a one-line message, and the server keeps serving.

Control tools share the ``env_`` prefix so they never clash with world tools: ``env_reset``, ``env_tasks``,
``env_observe``, ``env_state`` and ``env_close``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server._otel import OpenTelemetryMiddleware
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from psignal.errors import PworldsError, UsageError, choices_hint
from psignal.world import StepResult
from pworlds.serve.names import ToolNames
from pworlds.serve.sessions import Episode, EpisodeRegistry
from pworlds.serve.target import ServeTarget

EPISODE_META_KEY = "pworlds/episode"
"""``_meta`` key that may carry an episode handle instead of the ``episode`` argument."""

_CONNECTION_KEY = "pworlds.episode"
_HANDLE_PROPERTY = {
    "type": "string",
    "description": "Episode handle from env_reset. Needed only by stateless (2026-07-28) HTTP clients.",
}


def _schema(properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**(properties or {}), "episode": _HANDLE_PROPERTY},
        "additionalProperties": False,
    }


class WorldServer:
    """The MCP adapter for one ``ServeTarget``: tool listing, episode lookup and tool dispatch."""

    def __init__(
        self, target: ServeTarget, *, max_sessions: int | None = None, single_client: bool = False
    ) -> None:
        self.target = target
        self.single_client = single_client
        self.registry = EpisodeRegistry(target, max_sessions=max_sessions)
        self._single: Episode | None = None
        actions, tasks, default_task, instruction = target.probe()
        self.tasks = tasks
        self.default_task = default_task
        self.actions = {spec.name: spec for spec in actions}
        control = self._control_tools()
        self.names = ToolNames(self.actions, reserved=[t.name for t in control])
        world_tools = [
            types.Tool(
                name=self.names.tool_of[spec.name],
                description=spec.description,
                input_schema={"type": "object", **dict(spec.parameters)},
            )
            for spec in actions
        ]
        self.tools = [*world_tools, *control]
        # Only schemas that declare ``x-mcp-header`` parameters have Mcp-Param-* headers to check; for the
        # rest the SDK's check walks the whole schema per call and can never reject (see input_schema).
        self._schemas = {
            tool.name: tool.input_schema for tool in self.tools if _declares_headers(tool.input_schema)
        }
        self._control = {
            "env_reset": self._env_reset,
            "env_tasks": self._env_tasks,
            "env_observe": self._env_observe,
            "env_state": self._env_state,
            "env_close": self._env_close,
        }
        renamed = self.names.renamed()
        alias_note = (
            " Tool names differ from action names for: "
            + ", ".join(f"{tool} = {action!r}" for action, tool in renamed.items())
            + "."
            if renamed
            else ""
        )
        self.instructions = (
            f"pworlds world {target.world!r} (default task {default_task!r}). {instruction} "
            "Each world tool is one action of your episode; the episode starts on your first call. "
            "env_reset starts over (optionally with another task or seed), env_tasks lists tasks, "
            "env_observe shows the current observation, env_state the step count, return and state hash."
            + alias_note
        )

    # ------------------------------------------------------------------ the MCP server
    def build(self, *, tracing: bool | None = None) -> Server[Any]:
        """The low-level SDK ``Server`` serving this world.

        ``tracing``: keep the SDK's OpenTelemetry middleware (a span per request). ``None`` keeps it only when
        a real tracer provider is configured (e.g. under ``opentelemetry-instrument``); without one its spans
        record nothing yet cost about a tenth of the server's time per call.
        """
        from pworlds import __version__

        async def list_tools(
            ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
        ) -> types.ListToolsResult:
            return types.ListToolsResult(tools=self.tools)

        server: Server[Any] = Server(
            f"pworlds-{self.target.world}",
            version=__version__,
            instructions=self.instructions,
            on_list_tools=list_tools,
            on_call_tool=self.call_tool,
            get_tool_input_schema=self.input_schema,
        )
        if not (tracing if tracing is not None else tracer_configured()):
            server.middleware = [m for m in server.middleware if not isinstance(m, OpenTelemetryMiddleware)]
        return server

    def input_schema(self, name: str) -> dict[str, Any] | None:
        """A tool's input schema by name, for the SDK's ``Mcp-Param-*`` header check (2026-07-28 HTTP).

        ``None`` for a tool whose schema declares no ``x-mcp-header`` parameter: the check compares each
        declared parameter with its header and ignores undeclared headers, so without declarations it
        passes every request, and ``None`` tells the SDK to skip the walk.
        """
        return self._schemas.get(name)

    async def call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        arguments = dict(params.arguments or {})
        try:
            control = self._control.get(params.name)
            if control is not None:
                return await control(ctx, params, arguments)
            action = self.names.action_of.get(params.name)
            if action is None:
                raise UsageError(
                    f"unknown tool {params.name!r}; {choices_hint(params.name, [t.name for t in self.tools])}"
                )
            handle = self._handle(params, arguments, strip=self._takes_no_episode_argument(action))
            episode = self._episode(ctx, handle, create=False)
            step = {"name": action, "arguments": arguments}
            result = await self.registry.run(episode, lambda: episode.step(step))
            return _step_result(result)
        except PworldsError as exc:
            return _error(str(exc))
        except Exception as exc:  # a bug in a world must not take the server (and every session) down
            return _error(f"internal error in {self.target.world}: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ finding the caller's episode
    def _takes_no_episode_argument(self, action: str) -> bool:
        return "episode" not in self.actions[action].parameters.get("properties", {})

    @staticmethod
    def _handle(params: types.CallToolRequestParams, arguments: dict[str, Any], *, strip: bool) -> str | None:
        handle = arguments.pop("episode", None) if strip else None
        meta = params.meta or {}
        handle = handle if handle is not None else meta.get(EPISODE_META_KEY)
        if handle is not None and not isinstance(handle, str):
            raise UsageError(
                f"'episode' must be the string handle from env_reset, got {type(handle).__name__}"
            )
        return handle

    def _episode(self, ctx: ServerRequestContext[Any], handle: str | None, *, create: bool) -> Episode:
        """The caller's episode: by handle, else by MCP connection, else (stdio) the only client's."""
        if handle:
            return self.registry.get(handle)
        connection = (
            None
            if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
            else getattr(ctx.session, "_connection", None)
        )
        if connection is not None:
            episode = connection.state.get(_CONNECTION_KEY)
            if episode is None or episode.closed:
                episode = self.registry.create()
                connection.state[_CONNECTION_KEY] = episode
                connection.exit_stack.callback(self.registry.close, episode)
            return episode
        if self.single_client:
            if self._single is None or self._single.closed:
                self._single = self.registry.create()
            return self._single
        if create:
            return self.registry.create()
        raise UsageError(
            "this request has no MCP session (the 2026-07-28 protocol is stateless over HTTP): "
            "call env_reset first and pass the 'episode' handle it returns "
            "as the 'episode' argument of every call"
        )

    # ------------------------------------------------------------------ control tools
    def _control_tools(self) -> list[types.Tool]:
        task_names = list(self.tasks)
        return [
            types.Tool(
                name="env_reset",
                description="Start a new episode (optionally another task or seed); returns the first "
                "observation and the episode handle.",
                input_schema=_schema(
                    {
                        "task": {"type": ["string", "null"], "enum": [*task_names, None]},
                        "seed": {"type": ["integer", "null"]},
                    }
                ),
            ),
            types.Tool(name="env_tasks", description="List this world's tasks.", input_schema=_schema()),
            types.Tool(
                name="env_observe",
                description="The current observation (changes nothing).",
                input_schema=_schema(),
            ),
            types.Tool(
                name="env_state",
                description="Task, seed, steps, return so far, terminated/truncated and the state hash.",
                input_schema=_schema(),
            ),
            types.Tool(name="env_close", description="End this episode and free it.", input_schema=_schema()),
        ]

    def _control_args(self, name: str, arguments: dict[str, Any], allowed: set[str]) -> None:
        unknown = set(arguments) - allowed
        if unknown:
            raise UsageError(
                f"{name} takes no argument(s) {sorted(unknown)}; valid: {sorted(allowed) or '(none)'}"
            )

    async def _env_reset(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams, arguments: dict[str, Any]
    ) -> types.CallToolResult:
        handle = self._handle(params, arguments, strip=True)
        self._control_args("env_reset", arguments, {"task", "seed"})
        task, seed = arguments.get("task"), arguments.get("seed")
        if task is not None and task not in self.tasks:
            raise UsageError(f"env_reset: unknown task {task!r}; {choices_hint(str(task), self.tasks)}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise UsageError(f"env_reset: seed must be an integer or null, got {seed!r}")
        episode = self._episode(ctx, handle, create=True)
        observation = await self.registry.run(episode, lambda: episode.reset(task, seed))
        payload = {
            "episode": episode.handle,
            "task": episode.world.task,
            "seed": episode.world.seed,
            "instruction": episode.world.instruction(),
            "observation": observation,
        }
        return _ok(f"{payload['instruction']}\n{observation.get('text', '')}".strip(), payload)

    async def _env_tasks(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams, arguments: dict[str, Any]
    ) -> types.CallToolResult:
        self._handle(params, arguments, strip=True)
        self._control_args("env_tasks", arguments, set())
        tasks = [
            {"name": t.name, "description": t.description, "tags": list(t.tags)} for t in self.tasks.values()
        ]
        text = "\n".join(f"{t['name']}: {t['description']}" for t in tasks)
        return _ok(text, {"default": self.default_task, "tasks": tasks})

    async def _env_observe(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams, arguments: dict[str, Any]
    ) -> types.CallToolResult:
        handle = self._handle(params, arguments, strip=True)
        self._control_args("env_observe", arguments, set())
        episode = self._episode(ctx, handle, create=False)

        def observe() -> dict[str, Any]:
            episode.ensure_started()
            return episode.world.observe()

        observation = await self.registry.run(episode, observe)
        return _ok(str(observation.get("text", "")), {"episode": episode.handle, "observation": observation})

    async def _env_state(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams, arguments: dict[str, Any]
    ) -> types.CallToolResult:
        handle = self._handle(params, arguments, strip=True)
        self._control_args("env_state", arguments, set())
        episode = self._episode(ctx, handle, create=False)

        def summary() -> dict[str, Any]:
            episode.ensure_started()
            return episode.summary()

        state = await self.registry.run(episode, summary)
        return _ok(json.dumps(state, sort_keys=True), state)

    async def _env_close(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams, arguments: dict[str, Any]
    ) -> types.CallToolResult:
        handle = self._handle(params, arguments, strip=True)
        self._control_args("env_close", arguments, set())
        episode = self._episode(ctx, handle, create=False)
        async with episode.lock:
            self.registry.close(episode)
        return _ok(f"episode {episode.handle[:8]}… closed", {"episode": episode.handle, "closed": True})


def _declares_headers(schema: Mapping[str, Any]) -> bool:
    """Whether ``x-mcp-header`` occurs anywhere in ``schema`` (errs towards True: then the SDK checks)."""
    return "x-mcp-header" in json.dumps(schema, default=str)


def tracer_configured() -> bool:
    """Whether an OpenTelemetry tracer provider is installed (spans would be recorded somewhere)."""
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    return not isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider))


def _ok(text: str, structured: Mapping[str, Any]) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=dict(structured))


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def _step_result(result: StepResult) -> types.CallToolResult:
    return _ok(str(result.observation.get("text", "")), result.to_json())


def build_server(
    target: ServeTarget, *, max_sessions: int | None = None, single_client: bool = False
) -> Server[Any]:
    """The low-level MCP ``Server`` for ``target`` (tools listed, episodes per session)."""
    return WorldServer(target, max_sessions=max_sessions, single_client=single_client).build()
