"""The ``pworlds`` command. Thin adapters over psignal and the worlds; heavy imports happen inside commands.

Every error a user can cause ends as one line on stderr and a non-zero exit (2 for usage errors).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from pworlds.cli import env_commands, lemma_commands, serve_commands, spec_commands

app = typer.Typer(
    name="pworlds",
    help="Verifiable, replayable environments for AI agents: create a task folder, act, replay, export.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

JSON_OPTION = typer.Option(False, "--json", help="Machine-readable JSON output.")


def _console() -> Any:
    from rich.console import Console

    return Console()


def _emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command()
def worlds(as_json: bool = JSON_OPTION) -> None:
    """List the registered worlds and their tasks."""
    from pworlds.cli.render import world_catalog

    catalog = world_catalog()
    if as_json:
        _emit_json(catalog)
        return
    from rich.table import Table

    table = Table("world", "version", "tasks", title="pworlds worlds")
    for entry in catalog:
        tasks = entry.get("note") or ", ".join(entry["tasks"][:8]) + (" …" if len(entry["tasks"]) > 8 else "")
        table.add_row(entry["world"], entry.get("version", "?"), f"{len(entry['tasks'])}: {tasks}")
    _console().print(table)


@app.command()
def new(
    world: str = typer.Argument(..., help="World name (see `pworlds worlds`)."),
    directory: Path = typer.Argument(..., help="Folder to create (must not exist or be empty)."),
    task: str | None = typer.Option(
        None, "--task", "-t", help="Task name (default: the world's first task)."
    ),
    seed: int | None = typer.Option(None, "--seed", "-s", help="Episode seed (default 0)."),
    env: str | None = typer.Option(None, "--env", help="toolworld: environment id or path."),
    statement: str | None = typer.Option(None, "--statement", help="lemma: a custom theorem statement."),
    backend: str | None = typer.Option(None, "--backend", help="lemma: builtin, coq or lean."),
    settings: list[str] = typer.Option(
        [], "--set", help="World config KEY=VALUE (VALUE read as JSON if it parses)."
    ),
    durability: str = typer.Option("step", "--durability", help="fsync policy: step, every:N or close."),
) -> None:
    """Create a task folder and start its first episode."""
    from psignal.taskdir import TaskDir
    from pworlds.cli.options import parse_pairs

    config = parse_pairs(settings, "--set")
    for key, value in (("env", env), ("statement", statement), ("backend", backend)):
        if value is not None:
            config[key] = value
    with TaskDir.create(directory, world, task=task, seed=seed, config=config, durability=durability) as td:
        _console().print(
            f"created {directory} — {world} task [bold]{td.world.task}[/] (seed {td.world.seed})"
        )
        _console().print(td.observation.get("text", ""), markup=False, highlight=False)


@app.command()
def show(directory: Path = typer.Argument(..., help="Task folder."), as_json: bool = JSON_OPTION) -> None:
    """Show the current observation, steps and return so far (reads files only)."""
    from psignal.folder import summarize

    summary = summarize(directory).to_json()
    if as_json:
        _emit_json(summary)
        return
    status = "terminated" if summary["terminated"] else "truncated" if summary["truncated"] else "running"
    console = _console()
    console.print(
        f"{summary['world']} · task {summary['task']} · seed {summary['seed']} · episode {summary['episode']} · "
        f"step {summary['steps']} · return {summary['return']:.4g} · {status}",
        markup=False,
    )
    console.print(summary["observation"].get("text", ""), markup=False, highlight=False)


@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": False})
def step(
    directory: Path = typer.Argument(..., help="Task folder."),
    action: list[str] = typer.Argument(
        ..., help="The action as you would type it: +1, -1, 'intro h', run-tests, TOOL."
    ),
    args: list[str] = typer.Option([], "--arg", "-a", help="Tool argument KEY=VALUE (repeatable)."),
    args_json: str | None = typer.Option(None, "--args", help="Tool arguments as one JSON object."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Apply one action and record it. Actions that look like options (-1) are still actions."""
    from psignal.taskdir import TaskDir
    from pworlds.cli.render import build_action, print_step

    with TaskDir.open(directory) as td:
        act = build_action(td.world, action, args, args_json)
        result = td.step(act)
        if as_json:
            _emit_json({"action": act, **result.to_json(), "return": td.status["return"]})
        else:
            print_step(_console(), act, result, td.status["return"])


@app.command()
def reset(
    directory: Path = typer.Argument(..., help="Task folder."),
    seed: int | None = typer.Option(None, "--seed", "-s", help="New seed (default: keep)."),
    task: str | None = typer.Option(None, "--task", "-t", help="Switch task (default: keep)."),
) -> None:
    """Start the episode again; the trace keeps everything (a `reset` event)."""
    from psignal.taskdir import TaskDir

    with TaskDir.open(directory) as td:
        observation = td.reset(seed=seed, task=task)
        _console().print(f"episode {td.status['episode']} — task {td.world.task}, seed {td.world.seed}")
        _console().print(observation.get("text", ""), markup=False, highlight=False)


@app.command()
def trace(
    directory: Path = typer.Argument(..., help="Task folder or trace.jsonl."),
    last: int | None = typer.Option(None, "--last", "-n", help="Only the last N events."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the recorded events as a table."""
    from psignal.folder import trace_events
    from pworlds.cli.render import trace_table

    events = trace_events(directory)
    if last is not None:
        events = events[-last:]
    if as_json:
        _emit_json(events)
    else:
        _console().print(trace_table(events))


@app.command()
def replay(
    directory: Path = typer.Argument(..., help="Task folder or trace.jsonl."), as_json: bool = JSON_OPTION
) -> None:
    """Re-execute the trace and compare every step; exit 1 on the first divergence."""
    from psignal.replay import replay_dir

    report = replay_dir(directory)
    if as_json:
        _emit_json(
            {
                "ok": report.ok,
                "steps": report.steps,
                "episodes": report.episodes,
                "divergence": report.divergence and report.divergence.__dict__,
                "warnings": report.warnings,
                "details": report.details,
            }
        )
    else:
        for warning in report.warnings:
            typer.echo(f"warning: {warning}", err=True)
        for detail in report.details:
            typer.echo(f"note: {json.dumps(detail, ensure_ascii=False)}")
        typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def export(
    sources: list[Path] = typer.Argument(
        ..., help="Task folders, folders of task folders, or trace.jsonl files."
    ),
    fmt: str = typer.Option(
        ..., "--format", "-f", help="sft (chat JSONL), rl (trajectory JSONL) or parquet."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output file."),
    only_valid: bool = typer.Option(False, "--only-valid", help="sft: drop rejected actions."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Export recorded episodes as training data."""
    from psignal.export import export as run_export

    summary = run_export(sources, fmt, out, only_valid=only_valid)
    if as_json:
        _emit_json({**summary.__dict__, "out": str(summary.out)})
    else:
        typer.echo(
            f"wrote {summary.out}: {summary.episodes} episodes, {summary.steps} steps, "
            f"{summary.successes} successful ({summary.format})"
        )


@app.command()
def package(
    directory: Path = typer.Argument(..., help="Task folder."),
    out: Path = typer.Option(Path("training_artifact.json"), "--out", "-o", help="Artifact file to write."),
) -> None:
    """Write training_artifact.json: metadata, state, files, trace, exports and checksums."""
    from psignal.export.artifact import package as run_package

    artifact = run_package(directory, out)
    typer.echo(f"wrote {out}: {len(artifact['trace'])} events, {len(artifact['files'])} files, checksums ok")


@app.command()
def unpack(
    artifact: Path = typer.Argument(..., help="A training_artifact.json."),
    directory: Path = typer.Argument(..., help="Folder to restore the task into (new or empty)."),
) -> None:
    """Restore a runnable task folder from a training artifact (checksums verified first)."""
    from psignal.export.artifact import unpack as run_unpack

    run_unpack(artifact, directory)
    typer.echo(f"restored {directory}; continue with `pworlds show {directory}`")


@app.command()
def check(
    world: str = typer.Argument(..., help="World name."),
    task: str | None = typer.Option(None, "--task", "-t", help="Task (default: the world's first)."),
    episodes: int = typer.Option(5, "--episodes", "-n", min=1, help="Seeded random episodes to run."),
    steps: int = typer.Option(20, "--steps", min=1, help="Random actions per episode."),
    seed: int = typer.Option(0, "--seed", "-s", help="First seed."),
    settings: list[str] = typer.Option([], "--set", help="World config KEY=VALUE."),
    env: str | None = typer.Option(None, "--env", help="toolworld: environment id or path."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a world for determinism: reruns and save/restore must give identical steps."""
    from psignal.check import check_world
    from pworlds.cli.options import parse_pairs

    config = parse_pairs(settings, "--set") | ({"env": env} if env else {})
    report = check_world(world, config=config, task=task, episodes=episodes, steps=steps, seed=seed)
    if as_json:
        _emit_json({**report.__dict__, "ok": report.ok})
    elif report.skipped:
        typer.echo(f"skipped: {report.skipped}")
    else:
        for problem in report.problems:
            typer.echo(f"problem: {problem}")
        verdict = "OK" if report.ok else f"FAILED ({len(report.problems)} problems)"
        typer.echo(
            f"{report.world} task {report.task}: {verdict} — {report.episodes} episodes, {report.steps} steps"
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", "-o", help="Folder for task folders and exports."),
    fresh: bool = typer.Option(True, "--fresh/--keep", help="Remove an earlier demo output first."),
) -> None:
    """Run every world end to end on built-in data, then replay and export the results."""
    from pworlds.demo import run_demo

    run_demo(out, fresh=fresh, console=_console())


for _part in (env_commands, spec_commands, lemma_commands, serve_commands):
    _part.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: PworldsError → one line on stderr and its exit code."""
    from psignal.errors import PworldsError

    argv = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)  # built once: used for the step options and to run
    if argv and argv[0] == "step" and "--" not in argv:
        argv = _protect_step_actions(argv, command.get_command(None, "step"))  # type: ignore[attr-defined]
    try:
        # standalone_mode=False makes click *return* the code of typer.Exit instead of raising it
        code = command.main(args=argv, prog_name="pworlds", standalone_mode=False)
    except PworldsError as exc:
        typer.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except click_exceptions() as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except (KeyboardInterrupt, EOFError):
        typer.echo("interrupted", err=True)
        return 130
    return code if isinstance(code, int) else 0


def click_exceptions() -> tuple[type[Exception], ...]:
    """typer 0.2x vendors click; accept both its copy and a standalone click."""
    found: list[type[Exception]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            found.append(__import__(module, fromlist=["ClickException"]).ClickException)
        except ImportError:
            continue
    return tuple(found)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


def _protect_step_actions(argv: list[str], step_command: Any) -> list[str]:
    """Put ``--`` after DIR so ``pworlds step DIR -1`` reads ``-1`` as the action, keeping real options.

    The real options are read from the ``step`` command itself, so this never drifts from its signature.
    """
    options_of_step = [p for p in step_command.params if p.param_type_name == "option"]
    known = {"--help", *(name for p in options_of_step for name in (*p.opts, *p.secondary_opts))}
    takes_value = {name for p in options_of_step if not p.is_flag for name in p.opts}
    options: list[str] = []
    positional: list[str] = []
    i = 1
    while i < len(argv):
        token = argv[i]
        name = token.split("=", 1)[0]
        if name in known:
            options.append(token)
            if name in takes_value and "=" not in token and i + 1 < len(argv):
                options.append(argv[i + 1])
                i += 1
        else:
            positional.append(token)
        i += 1
    return ["step", *options, "--", *positional]


if __name__ == "__main__":
    run()
