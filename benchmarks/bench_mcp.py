"""MCP server throughput and latency: pworlds vs a bare ``mcp`` SDK server, over stdio and streamable HTTP.

Run: ``.venv/bin/python benchmarks/bench_mcp.py [--calls N] [--rounds R]``. Prints a markdown table and writes
it to ``docs/perf/mcp.md``. Every row uses the same client code (the official ``mcp`` ``Client``, in the
protocol mode of the row) against a server in its own subprocess, so the numbers include JSON-RPC framing,
validation and the transport on both sides. Both protocol modes are measured: ``auto`` (the client's default:
the stateless 2026-07-28 protocol, every request carries its own ``_meta`` envelope) and ``legacy`` (the
``initialize`` handshake, one session per connection).

* ``bare lowlevel``: ``mcp.server.Server`` with one trivial tool (returns a constant text) on the SDK's own
  stdio transport — the SDK floor.
* ``bare MCPServer``: the SDK's decorator API with one trivial ``def ping() -> str`` tool.
* ``bare lowlevel, pworlds transport``: the same trivial server on pworlds' stdio transport and event loop
  (``pworlds.serve.stdio``, uvloop when installed) — separates what the transport buys from the rest.
* ``pworlds counter``: ``pworlds serve counter``; calls alternate ``plus_one``/``minus_one`` (real world steps
  with structured results) on one episode.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "perf" / "mcp.md"


# --------------------------------------------------------------------------- bare servers (run as subprocesses)
def _bare_lowlevel():  # type: ignore[no-untyped-def]
    import mcp_types as types
    from mcp.server import Server

    tool = types.Tool(name="ping", description="Trivial.", input_schema={"type": "object", "properties": {}})

    async def list_tools(ctx, params):  # type: ignore[no-untyped-def]
        return types.ListToolsResult(tools=[tool])

    async def call_tool(ctx, params):  # type: ignore[no-untyped-def]
        return types.CallToolResult(content=[types.TextContent(text="pong")])

    return Server(
        "bare", on_list_tools=list_tools, on_call_tool=call_tool, get_tool_input_schema=lambda n: {}
    )


def _bare_mcpserver():  # type: ignore[no-untyped-def]
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("bare")

    @server.tool()
    def ping() -> str:
        """Trivial."""
        return "pong"

    return server


def run_bare(kind: str, transport: str, port: int) -> None:
    server = _bare_mcpserver() if kind == "mcpserver" else _bare_lowlevel()
    if transport == "stdio":
        if kind == "lowlevel-fast":
            from pworlds.serve.run import event_loop_options
            from pworlds.serve.stdio import stdio_streams

            async def fast() -> None:
                async with stdio_streams() as (read, write):
                    await server.run(read, write, server.create_initialization_options())

            anyio.run(fast, backend_options=event_loop_options())
        elif kind == "lowlevel":
            from mcp.server.stdio import stdio_server

            async def main() -> None:
                async with stdio_server() as (read, write):
                    await server.run(read, write, server.create_initialization_options())

            anyio.run(main)
        else:
            server.run("stdio")
        return
    import uvicorn

    low = server if kind == "lowlevel" else server._lowlevel_server
    app = low.streamable_http_app(json_response=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --------------------------------------------------------------------------- measurement
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_s(pid: int) -> float:
    """User+system CPU seconds of a process (Linux /proc); 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _child_pids() -> list[int]:
    """Direct children of this process (the stdio server the client spawned)."""
    me, kids = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == me:
                kids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return kids


def _server_cmd(kind: str, transport: str, port: int) -> list[str]:
    if kind == "pworlds":
        cmd = [sys.executable, "-m", "pworlds.serve", "counter", "--transport", transport]
        return cmd + (["--port", str(port)] if transport == "http" else [])
    return [sys.executable, __file__, "--bare", kind, "--transport", transport, "--port", str(port)]


def _calls(kind: str) -> list[tuple[str, dict[str, Any]]]:
    if kind == "pworlds":
        return [("plus_one", {}), ("minus_one", {})]
    return [("ping", {})]


async def _measure(client: Any, kind: str, n: int, extra: dict[str, Any]) -> list[float]:
    calls = _calls(kind)
    for i in range(50):  # warm-up
        name, args = calls[i % len(calls)]
        await client.call_tool(name, {**args, **extra})
    latencies = []
    for i in range(n):
        name, args = calls[i % len(calls)]
        t0 = time.perf_counter()
        result = await client.call_tool(name, {**args, **extra})
        latencies.append(time.perf_counter() - t0)
        if result.is_error:
            raise RuntimeError(f"{kind}: {result.content}")
    return latencies


async def _session(
    target: Any, kind: str, mode: str, n: int, server_pid: int | None = None
) -> tuple[list[float], float, float, float]:
    """(latencies, wall seconds, server CPU seconds, client CPU seconds) of n calls on one client."""
    from mcp import Client

    async with Client(target, mode=mode) as client:  # type: ignore[arg-type]
        extra: dict[str, Any] = {}
        if kind == "pworlds" and isinstance(target, str) and mode != "legacy":
            # stateless HTTP has no session to own an episode: carry the handle env_reset returns
            reset = await client.call_tool("env_reset", {})
            extra = {"episode": reset.structured_content["episode"]}
        pids = [server_pid] if server_pid else _child_pids()
        cpu0, own0 = sum(_cpu_s(p) for p in pids), time.process_time()
        t0 = time.perf_counter()
        lat = await _measure(client, kind, n, extra)
        wall = time.perf_counter() - t0
        return lat, wall, sum(_cpu_s(p) for p in pids) - cpu0, time.process_time() - own0


def _row(
    kind: str,
    transport: str,
    mode: str,
    clients: int,
    lat: list[float],
    total_calls: int,
    wall: float,
    cpu: float,
    client_cpu: float,
) -> dict[str, Any]:
    q = statistics.quantiles(lat, n=100)
    return {
        "kind": kind,
        "server": LABELS[kind],
        "transport": transport,
        "mode": mode,
        "clients": clients,
        "calls/s": total_calls / wall,
        "p50 ms": statistics.median(lat) * 1000,
        "p99 ms": q[98] * 1000,
        "server CPU ms/call": cpu / total_calls * 1000 if cpu else float("nan"),
        "client CPU ms/call": client_cpu / total_calls * 1000,
    }


LABELS = {
    "lowlevel": "bare SDK (lowlevel Server)",
    "mcpserver": "bare SDK (MCPServer)",
    "lowlevel-fast": "bare SDK (lowlevel), pworlds transport",
    "pworlds": "pworlds serve counter",
}


def bench_stdio(kind: str, mode: str, n: int) -> dict[str, Any]:
    from mcp.client.stdio import StdioServerParameters

    cmd = _server_cmd(kind, "stdio", 0)
    params = StdioServerParameters(command=cmd[0], args=cmd[1:])
    lat, wall, cpu, own = anyio.run(_session, params, kind, mode, n)
    return _row(kind, "stdio", mode, 1, lat, n, wall, cpu, own)


def bench_http(kind: str, mode: str, n: int, clients: int) -> dict[str, Any]:
    port = _free_port()
    proc = subprocess.Popen(
        _server_cmd(kind, "http", port), stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        for _ in range(400):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        per_client = n // clients
        lats: list[float] = []

        if clients == 1:
            lat, wall, cpu, own = anyio.run(_session, url, kind, mode, n, proc.pid)
            return _row(kind, "http", mode, 1, lat, n, wall, cpu, own)

        async def run_all() -> tuple[float, float, float]:
            async def one() -> None:
                lat, _, _, _ = await _session(url, kind, mode, per_client, proc.pid)
                lats.extend(lat)

            cpu0, own0, t0 = _cpu_s(proc.pid), time.process_time(), time.perf_counter()
            async with anyio.create_task_group() as tg:
                for _ in range(clients):
                    tg.start_soon(one)
            return time.perf_counter() - t0, _cpu_s(proc.pid) - cpu0, time.process_time() - own0

        wall, cpu, own = anyio.run(run_all)  # includes each client's connect and warm-up
        return _row(kind, "http", mode, clients, lats, per_client * clients, wall, cpu, own)
    finally:
        proc.terminate()
        proc.wait()


NOTES = """
How to read it. A sequential client waits for each answer, so its calls/s is bounded by client CPU + server
CPU + the two processes waking each other per call; client and server share the machine's 2 CPUs with
whatever else runs. Wall-clock rates move a lot with other load (rows are interleaved over several rounds
and each keeps its best round); *server CPU ms/call* (user+system time of the server process divided by the
calls) and *client CPU ms/call* (the benchmark process) are the load-insensitive measures. `x8` rows run
eight clients in the benchmark process, so on a 2-CPU machine they measure client contention more than
server capacity; their client CPU is the sum over the eight.

Before these changes (same machine, `auto` mode only, SDK stdio transport, no uvloop/httptools): bare SDK
stdio 242 calls/s (server 2.65 ms/call), pworlds stdio 276 (2.48 ms); HTTP bare 203, pworlds 198 (2.08 ms).

What decides the numbers (profiled with cProfile on both sides):

* **stdio transport.** The SDK's `stdio_server` reads and writes through `anyio.wrap_file`, i.e. a worker-thread
  round trip for every line read, every write and every flush (three per call). That was about half the
  bare server's CPU per call. `pworlds serve` uses its own transport (`pworlds.serve.stdio`: pipes
  registered with the event loop, same fd diversion and framing) plus uvloop when installed; the
  "bare SDK (lowlevel), pworlds transport" rows show the same trivial server on it.
* **protocol mode.** `auto` (2026-07-28) costs the server more per call than `legacy`: each request carries
  its `_meta` envelope (protocol version, client info, capabilities), which the SDK validates into a fresh
  per-request connection, and every result gets a `serverInfo` stamp. The client also pays for stamping.
* **OpenTelemetry.** The SDK wraps every request in a span middleware even with no tracer provider
  configured; pworlds drops it then (`WorldServer.build(tracing=None)` keeps it when a provider exists).
* **HTTP.** The official client (httpx) costs 2-3 ms CPU per call, about twice the server, so it is the
  ceiling for one client. On the server side uvicorn picks httptools and uvloop when they are installed
  (both servers in this table get them); with h11 and the stock asyncio loop the server cost ~1.8 ms/call.
* **What is left in pworlds itself** is small: a counter step, the episode lookup and building the result
  are about 0.1 ms of a call; the rest is the SDK's JSON-RPC dispatch, request/result validation and the
  transport. On the same transport pworlds costs 0-0.25 ms more server CPU per call than the trivial
  bare server (a real world step, a bigger result, the episode handle).
* **Client settings that do not matter here.** The client sends one `tools/list` per connection (its first
  call fills the output-schema cache), not one per call; pworlds tools declare no `outputSchema`, so no
  per-result JSON-schema validation runs; with no `log_level` opt-in the server sends no log notifications.
  Choosing `mode="legacy"` is the one client setting that saves time (less stamping and validation on both
  sides).
"""


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| server | transport | mode | clients | calls/s | p50 ms | p99 ms | server CPU ms/call "
        "| client CPU ms/call |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n"
    )
    body = "".join(
        f"| {r['server']} | {r['transport']} | {r['mode']} | {r['clients']} | {r['calls/s']:.0f} "
        f"| {r['p50 ms']:.2f} | {r['p99 ms']:.2f} | {r['server CPU ms/call']:.2f} "
        f"| {r['client CPU ms/call']:.2f} |\n"
        for r in rows
    )
    return head + body


MODES = ("auto", "legacy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bare", choices=["lowlevel", "lowlevel-fast", "mcpserver"])
    parser.add_argument("--transport", default="stdio")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/perf/mcp.md alone")
    args = parser.parse_args()
    if args.bare:
        run_bare(args.bare, args.transport, args.port)
        return

    plan: list[tuple[str, Callable[[], dict[str, Any]]]] = []
    for mode in MODES:
        for kind in ("lowlevel", "mcpserver", "lowlevel-fast", "pworlds"):
            plan.append((f"stdio {kind} {mode}", lambda k=kind, m=mode: bench_stdio(k, m, args.calls)))
    for mode in MODES:
        for kind in ("lowlevel", "pworlds"):
            plan.append((f"http {kind} {mode}", lambda k=kind, m=mode: bench_http(k, m, args.calls, 1)))
    for mode in MODES:
        for kind in ("lowlevel", "pworlds"):
            plan.append((f"http {kind} {mode} x8", lambda k=kind, m=mode: bench_http(k, m, args.calls, 8)))
    # The machine is shared: interleave the configurations over several rounds and keep each one's best
    # round, so a burst of someone else's load does not land on one side of a comparison only.
    best: dict[str, dict[str, Any]] = {}
    for round_no in range(args.rounds):
        for label, fn in plan:
            print(f"round {round_no + 1}/{args.rounds}: {label} ...", file=sys.stderr, flush=True)
            row = fn()
            if label not in best or row["calls/s"] > best[label]["calls/s"]:
                best[label] = row
    rows = [best[label] for label, _ in plan]

    def rate(kind: str, transport: str, mode: str) -> float:
        return next(
            r["calls/s"]
            for r in rows
            if r["kind"] == kind and r["transport"] == transport and r["mode"] == mode and r["clients"] == 1
        )

    ratios = "; ".join(
        f"{mode}: stdio {rate('pworlds', 'stdio', mode) / rate('lowlevel', 'stdio', mode):.0%}, "
        f"HTTP {rate('pworlds', 'http', mode) / rate('lowlevel', 'http', mode):.0%}"
        for mode in MODES
    )
    text = (
        "# MCP server performance (`benchmarks/bench_mcp.py`)\n\n"
        f"{args.calls} tool calls per row after 50 warm-up calls, best of {args.rounds} interleaved rounds "
        f"(load average at the end: {_load()}); official `mcp` client ({_mcp_version()}) in the row's "
        "protocol mode (`auto` = the client default, stateless 2026-07-28; `legacy` = initialize handshake); "
        f"server in its own process; {platform.python_implementation()} {platform.python_version()}, "
        f"{_cpus()} CPUs; {_extras()}. HTTP servers use `json_response=True`; `x8` = 8 clients in one "
        "process, each on its own episode.\n\n"
        + _table(rows)
        + f"\npworlds / bare lowlevel SDK (1 client) — {ratios}.\n"
        + NOTES
    )
    print(text)
    if not args.no_write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text)


def _extras() -> str:
    """Which optional speed-ups are installed (uvicorn and pworlds pick them up on their own)."""
    from importlib.util import find_spec

    found = [name for name in ("uvloop", "httptools") if find_spec(name) is not None]
    return ("with " + " and ".join(found)) if found else "without uvloop/httptools"


def _mcp_version() -> str:
    from importlib.metadata import version

    return f"mcp {version('mcp')}"


def _load() -> str:
    import os

    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
