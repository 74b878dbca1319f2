"""Argument handling shared by ``pworlds serve`` and ``python -m pworlds.serve``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psignal.errors import UsageError
from pworlds.cli.options import parse_pairs
from pworlds.serve.run import serve_http, serve_stdio
from pworlds.serve.target import parse_target

TRANSPORTS = ("stdio", "http")


def parse_settings(settings: Iterable[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` pairs into a config dict; VALUE is JSON when it parses, else a string."""
    return parse_pairs(settings, "serve: --set")


def run_serve(
    target: str,
    *,
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
    task: str | None = None,
    seed: int | None = None,
    max_sessions: int | None = 10_000,
    settings: Iterable[str] = (),
) -> None:
    """Validate everything up front (bad target, task or option: one line, exit 2), then serve."""
    if transport not in TRANSPORTS:
        raise UsageError(f"serve: --transport must be one of {', '.join(TRANSPORTS)}, got {transport!r}")
    if max_sessions is not None and max_sessions < 1:
        raise UsageError(f"serve: --max-sessions must be at least 1, got {max_sessions}")
    if not 0 < port < 65536:
        raise UsageError(f"serve: --port must be in 1..65535, got {port}")
    resolved = parse_target(target, task=task, seed=seed, config=parse_settings(settings))
    if transport == "stdio":
        serve_stdio(resolved, max_sessions=max_sessions)
    else:
        serve_http(resolved, host=host, port=port, max_sessions=max_sessions)
