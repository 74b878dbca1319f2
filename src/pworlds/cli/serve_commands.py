"""``pworlds serve TARGET``: an MCP server for any world. Registered by pworlds.cli.main.

Module-level imports stay at ``typer`` only so ``pworlds --help`` starts fast; the SDK loads on use.
"""

from __future__ import annotations

import typer

_HELP = """Serve a world over MCP (official mcp SDK). TARGET: a world name (counter, lemma, spec) or
WORLD:VALUE for its main option (toolworld:ENV sets env, lemma:STATEMENT sets statement).
Each MCP session gets its own episode; world actions are tools, plus env_reset/env_tasks/env_observe/
env_state/env_close."""


def serve(
    target: str = typer.Argument(..., help="World to serve: counter, lemma, spec, toolworld:ENV ..."),
    transport: str = typer.Option("stdio", "--transport", "-t", help="stdio or http (streamable HTTP)."),
    host: str = typer.Option("127.0.0.1", "--host", help="HTTP bind address."),
    port: int = typer.Option(8765, "--port", "-p", help="HTTP port (endpoint: /mcp)."),
    task: str | None = typer.Option(None, "--task", help="Default task of new episodes."),
    seed: int | None = typer.Option(None, "--seed", help="Default seed of new episodes."),
    max_sessions: int = typer.Option(10_000, "--max-sessions", help="Most episodes hosted at once."),
    settings: list[str] = typer.Option(
        [], "--set", help="World config KEY=VALUE (VALUE read as JSON if it parses)."
    ),
) -> None:
    """Serve a world over MCP."""
    from pworlds.serve.cli import run_serve

    run_serve(
        target,
        transport=transport,
        host=host,
        port=port,
        task=task,
        seed=seed,
        max_sessions=max_sessions,
        settings=settings,
    )


serve.__doc__ = _HELP


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main app."""
    app.command("serve", help=_HELP)(serve)
