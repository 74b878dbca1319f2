"""CLI commands of the toolworld part: ``env list|show|check``, ``verify``, ``import awm``.

Registered by pworlds.cli.main. Module-level imports stay at typer only (start-up < 300 ms).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

env_app = typer.Typer(name="env", help="toolworld environments: list, show, check.", no_args_is_help=True)
import_app = typer.Typer(name="import", help="Import environments from other formats.", no_args_is_help=True)


def _emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def _console() -> Any:
    from rich.console import Console

    return Console()


@env_app.command("list")
def env_list(as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output.")) -> None:
    """List the shipped toolworld environments."""
    from pworlds.worlds.toolworld.envs import shipped_env_dirs
    from pworlds.worlds.toolworld.loader import EnvError, load_env

    rows = []
    for env_id, path in shipped_env_dirs().items():
        try:
            env = load_env(path)
            rows.append(
                {
                    "id": env_id,
                    "title": env.meta.title,
                    "domain": env.meta.domain,
                    "tasks": len(env.tasks),
                    "tools": len(env.tools),
                    "ok": True,
                }
            )
        except EnvError as exc:
            rows.append(
                {
                    "id": env_id,
                    "title": "",
                    "domain": "",
                    "tasks": 0,
                    "tools": 0,
                    "ok": False,
                    "error": str(exc),
                }
            )
    if as_json:
        _emit_json(rows)
        return
    from rich.table import Table

    table = Table("env", "title", "domain", "tasks", "tools", title="toolworld environments")
    for r in rows:
        table.add_row(
            r["id"],
            r["title"] or "[red]invalid — run pworlds env check[/]",
            r["domain"],
            str(r["tasks"]),
            str(r["tools"]),
        )
    _console().print(table)


@env_app.command("show")
def env_show(
    env: str = typer.Argument(..., help="Env id or folder."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """Show an environment: scenario, tools with their JSON schemas, tasks."""
    from pworlds.worlds.toolworld.loader import load_env

    loaded = load_env(env)
    data = {
        **loaded.meta.model_dump(),
        "path": str(loaded.path),
        "tables": {t.name: list(t.columns) for t in loaded.image.tables},
        "tools": [s.to_tool()["function"] for s in loaded.action_specs()],
        "tasks": [
            {"id": t.id, "instruction": t.instruction, "verifier": t.verifier_name}
            for t in loaded.tasks.values()
        ],
    }
    if as_json:
        _emit_json(data)
        return
    console = _console()
    console.print(f"[bold]{loaded.meta.title}[/] ({loaded.id}, {loaded.meta.domain}) — {loaded.path}")
    console.print(loaded.meta.description, markup=False)
    console.print(f"\n[bold]tables[/]: {', '.join(data['tables'])}")
    console.print("\n[bold]tools[/]")
    for tool in data["tools"]:
        params = ", ".join(tool["parameters"].get("properties", {}))
        console.print(f"  {tool['name']}({params}) — {tool['description']}", markup=False, highlight=False)
    console.print("\n[bold]tasks[/]")
    for task in data["tasks"]:
        console.print(f"  {task['id']}: {task['instruction']}", markup=False, highlight=False)


@env_app.command("check")
def env_check(
    envs: list[str] = typer.Argument(..., help="Env ids or folders."),
    no_run: bool = typer.Option(False, "--no-run", help="Static checks only; do not run the solutions."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """Check env folders: files, SQL, seed constraints, code safety, tools, tasks, solutions vs verifiers."""
    from pworlds.worlds.toolworld.validate import check_env

    reports = [check_env(e, run=not no_run) for e in envs]
    if as_json:
        _emit_json([r.to_json() for r in reports])
    else:
        for r in reports:
            label = r.env_id or r.path.name
            for p in r.problems:
                sys.stderr.write(f"{r.path}/{p}\n")
            for w in r.warnings:
                sys.stderr.write(f"{r.path}/{w} (warning)\n")
            status = "OK" if r.ok else f"{len(r.problems)} problem(s)"
            sys.stdout.write(f"{label}: {status} ({r.tools} tools, {r.tasks} tasks)\n")
    if not all(r.ok for r in reports):
        raise SystemExit(1)  # typer.Exit codes are lost under standalone_mode=False


def verify(
    directory: Path = typer.Argument(..., help="A toolworld task folder."),
    mode: str | None = typer.Option(
        None, "--mode", help="code, llm or hybrid (default: the folder's config)."
    ),
    answer: str | None = typer.Option(None, "--answer", help="Final answer to judge (information tasks)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """Run the task's verifier on the folder's current DB without ending the episode."""
    from psignal.errors import UsageError
    from psignal.taskdir import TaskDir

    if mode not in (None, "code", "llm", "hybrid"):
        raise UsageError(f"--mode must be code, llm or hybrid, not {mode!r}")
    with TaskDir.open(directory) as td:
        world = td.world
        if not hasattr(world, "verify"):
            raise UsageError(
                f"{directory} is a {world.name} folder; pworlds verify works on toolworld folders"
            )
        verdict = world.verify(answer=answer, mode=mode)  # type: ignore[attr-defined]
    if as_json:
        _emit_json(verdict.model_dump(exclude_none=True))
    else:
        sys.stdout.write(f"{verdict.status} (score {verdict.score:g}, {verdict.mode}): {verdict.message}\n")
        if verdict.evidence:
            sys.stdout.write(json.dumps(verdict.evidence, ensure_ascii=False, default=str) + "\n")
    if not verdict.passed:
        raise SystemExit(1)  # typer.Exit codes are lost under standalone_mode=False


@import_app.command("awm")
def import_awm(
    source: Path = typer.Argument(..., help="Folder with the AWM JSONL files (gen_scenario.jsonl, …)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write one env folder per scenario into."),
    scenarios: list[str] = typer.Option([], "--scenario", help="Only these scenarios (default: all)."),
    check: bool = typer.Option(True, "--check/--no-check", help="Load each imported env after writing it."),
) -> None:
    """Convert Agent World Model (AWM) environments into pworlds env folders.

    Imported envs run their FastAPI/SQLAlchemy code in-process: it is trusted-by-you code, not under the
    toolworld AST guard. Import only datasets you trust.
    """
    from pworlds.worlds.toolworld.awm import import_awm as run_import

    sys.stderr.write(
        "warning: AWM environments contain arbitrary Python (FastAPI apps, verifiers) that runs unguarded "
        "in-process; import only datasets you trust\n"
    )
    written = run_import(source, out, scenarios=scenarios or None, check=check)
    for path in written:
        sys.stdout.write(f"{path}\n")
    sys.stdout.write(f"imported {len(written)} environment(s) into {out}\n")


def register(app: typer.Typer) -> None:
    """Add this part's commands to the main app."""
    app.add_typer(env_app, name="env")
    app.add_typer(import_app, name="import")
    app.command("verify")(verify)
