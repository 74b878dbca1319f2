"""CLI commands of the env part; registered by pworlds.cli.main. Keep imports lazy (start-up < 300 ms)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this part's commands to the main app."""
