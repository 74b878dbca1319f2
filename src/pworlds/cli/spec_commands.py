"""CLI commands of the spec part: ``pworlds spec list|create|mutate|flaky``. Imports stay lazy (start-up < 300 ms)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

spec_app = typer.Typer(
    name="spec",
    help="pspec, the code-repair world: list built-in tasks, make tasks from your code, synthesise bugs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _emit(value: object) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


@spec_app.command("list")
def list_tasks(as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output.")) -> None:
    """List the built-in repair tasks (bug kind, FAIL_TO_PASS / PASS_TO_PASS counts)."""
    from pworlds.worlds.spec.task import builtin_tasks

    rows = [
        {
            "task": name,
            "bug_kind": spec.bug_kind,
            "fail_to_pass": len(spec.fail_to_pass),
            "pass_to_pass": len(spec.pass_to_pass),
            "description": spec.description,
        }
        for name, spec in builtin_tasks().items()
    ]
    if as_json:
        _emit(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "task", "bug kind", "F2P", "P2P", "description", title=f"pspec built-in tasks ({len(rows)})"
    )
    for row in rows:
        table.add_row(
            row["task"],
            row["bug_kind"],
            str(row["fail_to_pass"]),
            str(row["pass_to_pass"]),
            row["description"],
        )
    Console().print(table)


@spec_app.command("create")
def create(
    directory: Path = typer.Argument(..., help="Task folder to create (must not exist or be empty)."),
    source: Path = typer.Option(..., "--source", help="The buggy module (PATH.py) or package directory."),
    tests: Path = typer.Option(..., "--tests", help="A test file or a directory of tests."),
    fix: Path | None = typer.Option(None, "--fix", help="Optional reference fix (file or directory)."),
    name: str | None = typer.Option(None, "--name", help="Task name (default: the module name)."),
    description: str | None = typer.Option(None, "--description", help="What the agent is told."),
    timeout_s: float = typer.Option(10.0, "--timeout", help="Seconds per test run."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """Copy a module and its tests into a new task folder; failing tests become FAIL_TO_PASS."""
    from pworlds.worlds.spec.create import create_task

    report = create_task(
        source, tests, directory, name=name, description=description, fix=fix, timeout_s=timeout_s
    )
    if as_json:
        _emit(
            {
                "task": report.name,
                "folder": str(report.folder),
                "fail_to_pass": report.fail_to_pass,
                "pass_to_pass": report.pass_to_pass,
                "reference_fix": report.has_fix,
            }
        )
        return
    typer.echo(
        f"created {directory} — spec task {report.name}: {len(report.fail_to_pass)} failing test(s) to fix, "
        f"{len(report.pass_to_pass)} passing to keep{'' if report.has_fix else ' (no reference fix)'}"
    )
    typer.echo(f"edit {directory}/workspace, then: pworlds step {directory} run-tests")


@spec_app.command("mutate")
def mutate(
    directory: Path = typer.Argument(..., help="Output folder: one task folder per mutant plus index.json."),
    source: Path | None = typer.Option(
        None, "--source", help="A correct module (PATH.py); default: the demo."
    ),
    tests: Path | None = typer.Option(None, "--tests", help="Its tests (file or directory)."),
    count: int = typer.Option(20, "-n", "--count", help="How many validated buggy tasks to make."),
    seed: int = typer.Option(0, "--seed", help="Order in which mutation sites are tried."),
    workers: int = typer.Option(2, "--workers", help="Parallel warm test workers."),
    timeout_s: float = typer.Option(
        5.0, "--timeout", help="Seconds per test run (slower mutants are dropped)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """Make buggy variants of a correct module by AST mutation; keep those a test catches."""
    from psignal.errors import UsageError
    from pworlds.worlds.spec.create import DEMO_SOURCE, DEMO_TESTS, mutate_module

    if (source is None) != (tests is None):
        raise UsageError("give both --source and --tests, or neither (to use the built-in demo module)")
    source = source or DEMO_SOURCE
    tests = tests or DEMO_TESTS
    from rich.progress import Progress

    with Progress(transient=True, disable=as_json) as bar:
        job = bar.add_task("validated mutants", total=count)
        report = mutate_module(
            source,
            tests,
            directory,
            count=count,
            seed=seed,
            workers=workers,
            timeout_s=timeout_s,
            progress=lambda done, total: bar.update(job, completed=done),
        )
    summary = {
        "folder": str(directory),
        "tasks": len(report.tasks),
        "candidates": report.candidates,
        "tried": report.tried,
        "rejected": report.rejected,
        "seconds": round(report.seconds, 2),
    }
    if as_json:
        _emit({**summary, "names": [t.name for t in report.tasks]})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("task", "mutation", "F2P", "P2P", title=f"{len(report.tasks)} buggy tasks in {directory}")
    for t in report.tasks:
        table.add_row(
            t.name, str(t.mutation["description"]), str(len(t.fail_to_pass)), str(len(t.pass_to_pass))
        )
    Console().print(table)
    typer.echo(
        f"{len(report.tasks)} of {report.tried} tried mutants kept ({report.candidates} candidates; "
        f"rejected: {report.rejected or 'none'}) in {report.seconds:.1f} s"
    )
    if len(report.tasks) < count:
        typer.echo(
            f"warning: only {len(report.tasks)} of {count} requested mutants are caught by the tests",
            err=True,
        )


@spec_app.command("flaky")
def flaky(
    directory: Path = typer.Argument(..., help="A spec task folder."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """Re-run every recorded evaluation from its snapshot and list tests whose verdict changed."""
    from pworlds.worlds.spec.flaky import flaky_report

    report = flaky_report(directory)
    if as_json:
        _emit(report)
    else:
        typer.echo(
            f"{report['evaluations']} evaluation(s) re-run; {len(report['changes'])} verdict change(s)"
        )
        for change in report["changes"]:
            typer.echo(
                f"  step {change['step']}: {change['test']}: recorded {change['recorded']}, "
                f"now {change['replayed']}"
            )
    if report["changes"]:
        from psignal.errors import PworldsError

        raise PworldsError(
            f"{directory}: {len(report['changes'])} test verdict(s) changed on replay (flaky tests)"
        )


def register(app: typer.Typer) -> None:
    """Add ``pworlds spec ...`` to the main app."""
    app.add_typer(spec_app, name="spec")
