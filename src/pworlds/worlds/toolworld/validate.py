"""``pworlds env check``: every problem of an env folder, with file and line.

On top of what the loader finds (bad YAML, bad SQL, seed rows violating constraints, unsafe code, tools
without type hints) this checks the tasks: verifiers exist, reference and negative solutions call known
tools with valid arguments, and — by running them — that each reference solution passes, each
negative solution fails, and doing nothing fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pworlds.worlds.toolworld.guard import Problem
from pworlds.worlds.toolworld.loader import Env, inspect_env
from pworlds.worlds.toolworld.tools import FINISH

TASKS_PER_ENV = 10


@dataclass
class CheckReport:
    path: Path
    env_id: str | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    tasks: int = 0
    tools: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {
            "path": str(self.path),
            "env": self.env_id,
            "ok": self.ok,
            "tasks": self.tasks,
            "tools": self.tools,
            "problems": [str(p) for p in self.problems],
            "warnings": [str(p) for p in self.warnings],
        }


def _static_task_checks(env: Env, problems: list[Problem], warnings: list[Problem]) -> None:
    if len(env.tasks) != TASKS_PER_ENV and not env.trusted:
        warnings.append(
            Problem("tasks.yaml", 1, f"{len(env.tasks)} tasks; the format asks for {TASKS_PER_ENV}")
        )
    for task in env.tasks.values():
        line = env.task_lines.get(task.id, 0)
        if task.verifier_name not in env.verifiers:
            problems.append(
                Problem(
                    "tasks.yaml",
                    line,
                    f"task {task.id!r} names verifier {task.verifier_name!r}, not in verify.py",
                )
            )
        if not env.trusted and not task.solution and task.answer is None:
            problems.append(
                Problem("tasks.yaml", line, f"task {task.id!r} has no reference solution or answer")
            )
        if not env.trusted and task.negative is None:
            warnings.append(Problem("tasks.yaml", line, f"task {task.id!r} has no negative solution"))
        cases = [("solution", task.solution)]
        if task.negative is not None:
            cases.append(("negative", task.negative.solution))
        for kind, calls in cases:
            for j, call in enumerate(calls):
                cline = env.call_lines.get((task.id, kind, j), line)
                tool = env.tools.get(call.name)
                if tool is None:
                    problems.append(
                        Problem(
                            "tasks.yaml", cline, f"task {task.id!r} {kind} calls unknown tool {call.name!r}"
                        )
                    )
                    continue
                try:
                    tool.spec.validate(call.arguments)
                except ValueError as exc:
                    problems.append(Problem("tasks.yaml", cline, f"task {task.id!r} {kind}: {exc}"))


def _run_task_checks(env: Env, problems: list[Problem]) -> None:
    from pworlds.worlds.toolworld.world import ToolWorld

    world = ToolWorld({"env": str(env.path), "max_steps": None})
    try:
        for task in env.tasks.values():
            line = env.task_lines.get(task.id, 0)
            if task.verifier_name not in env.verifiers:
                continue
            runs: list[tuple[str, list | None, bool]] = []
            if task.solution or task.answer is not None:
                world.reset(task=task.id)
                runs.append(("reference solution", world.reference_solution(), True))
            runs.append(("doing nothing", [{"name": FINISH, "arguments": {"answer": None}}], False))
            if task.negative is not None:
                world.reset(task=task.id)
                runs.append(("negative solution", world.negative_solution(), False))
            for label, actions, should_pass in runs:
                world.reset(task=task.id)
                result = None
                for i, action in enumerate(actions or []):
                    result = world.step(action)
                    if not result.valid:
                        problems.append(
                            Problem(
                                "tasks.yaml",
                                line,
                                f"task {task.id!r} {label} step {i + 1} ({action['name']}) "
                                f"fails: {result.info.get('error')}",
                            )
                        )
                        break
                if result is None or not result.terminated:
                    continue
                verdict = result.info.get("verdict", {})
                status = verdict.get("status")
                if status == "verifier_error":
                    problems.append(
                        Problem(
                            "verify.py",
                            0,
                            f"{task.verifier_name} errors on the {label}: {verdict.get('message')}",
                        )
                    )
                elif should_pass and status != "pass":
                    problems.append(
                        Problem(
                            "tasks.yaml",
                            line,
                            f"task {task.id!r}: the {label} does not pass "
                            f"({verdict.get('message') or verdict.get('evidence')})",
                        )
                    )
                elif not should_pass and status == "pass":
                    problems.append(
                        Problem("tasks.yaml", line, f"task {task.id!r}: {label} passes the verifier")
                    )
    finally:
        world.close()


def check_env(ref: str | Path, *, run: bool = True) -> CheckReport:
    """Load and check one env; ``run`` also executes reference/negative solutions against the verifiers."""
    env, problems = inspect_env(ref)
    from pworlds.worlds.toolworld.loader import resolve_env

    report = CheckReport(resolve_env(ref), env.id if env else None, list(problems))
    if env is None:
        return report
    report.tasks, report.tools = len(env.tasks), len(env.tools)
    _static_task_checks(env, report.problems, report.warnings)
    if run and not report.problems:
        _run_task_checks(env, report.problems)
    return report
