"""``python -m pworlds.serve TARGET [options]``: ``pworlds serve`` without loading the rest of the CLI."""

from __future__ import annotations

import sys

import typer

from pworlds.cli.serve_commands import register


def main() -> None:
    from psignal.errors import PworldsError

    app = typer.Typer(add_completion=False)
    register(app)

    @app.callback()
    def _root() -> None:
        """pworlds MCP server."""

    try:
        app(["serve", *sys.argv[1:]], standalone_mode=False)
    except PworldsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from exc
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from exc
    except Exception as exc:  # click usage errors in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code) from exc
        raise


if __name__ == "__main__":
    main()
