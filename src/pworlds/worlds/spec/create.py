"""Make pspec task folders from user code: ``spec create`` (a buggy module plus its tests) and ``spec
mutate`` (buggy variants of a correct module). Both grade with the same isolated runner as ``run_tests``
and say clearly when the tests cannot be imported or already pass.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psignal.errors import UsageError
from pworlds.worlds.spec.evaluate import Evaluation, Evaluator
from pworlds.worlds.spec.mutate import Mutation, mutants
from pworlds.worlds.spec.runner import Limits
from pworlds.worlds.spec.task import TaskSpec
from pworlds.worlds.spec.warm import WarmRunner
from pworlds.worlds.spec.workspace import Snapshot, read_files, read_source

DEMO_DIR = Path(__file__).parent / "data" / "demo"
DEMO_SOURCE = DEMO_DIR / "shopping_cart.py"
DEMO_TESTS = DEMO_DIR / "tests"


@dataclass(slots=True)
class Staged:
    """A template being built in a scratch directory."""

    root: Path
    source: Snapshot
    module: str

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"


def _copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))


def stage(source: Path, tests: Path, root: Path) -> Staged:
    """Lay out ``root/workspace`` from a module file or package dir and a test file or dir."""
    if not source.exists():
        raise UsageError(f"--source {source}: no such file or directory")
    if not tests.exists():
        raise UsageError(f"--tests {tests}: no such file or directory")
    if source.is_file() and source.suffix != ".py":
        raise UsageError(f"--source {source}: expected a .py module or a package directory")
    workspace = root / "workspace"
    (workspace / "tests").mkdir(parents=True)
    if source.is_file():
        shutil.copy2(source, workspace / source.name)
        module = source.stem
    else:
        if not (source / "__init__.py").is_file():
            raise UsageError(f"--source {source}: a package directory needs an __init__.py")
        _copy_tree(source, workspace / source.name)
        shutil.rmtree(workspace / source.name / "tests", ignore_errors=True)
        module = source.name
    if tests.is_file():
        if tests.suffix != ".py":
            raise UsageError(f"--tests {tests}: expected a test .py file or a directory of tests")
        shutil.copy2(tests, workspace / "tests" / tests.name)
    else:
        for item in tests.iterdir():
            if item.name in ("__pycache__", ".pytest_cache"):
                continue
            (_copy_tree if item.is_dir() else shutil.copy2)(item, workspace / "tests" / item.name)
    if not any((workspace / "tests").rglob("test*.py")) and not any((workspace / "tests").rglob("*_test.py")):
        raise UsageError(f"--tests {tests}: no test_*.py or *_test.py files found")
    return Staged(root, read_source(workspace), module)


def _limits(timeout_s: float) -> Limits:
    return Limits(timeout_s=timeout_s, cpu_s=int(timeout_s + 0.999))


def check_runs(evaluation: Evaluation, what: str) -> None:
    """Refuse test suites that cannot run at all, with the reason in one line."""
    if evaluation.verdict in ("collection_error", "no_report", "crashed", "timeout", "output_limit"):
        raise UsageError(f"{what}: the tests cannot run ({evaluation.verdict}): {evaluation.message}")
    if evaluation.verdict == "no_tests" or not evaluation.tests:
        raise UsageError(f"{what}: pytest collected no tests; name test files test_*.py and tests test_*")


def write_task_yaml(staged: Staged, spec: TaskSpec, fix: Snapshot) -> None:
    (staged.root / "task.yaml").write_text(spec.to_yaml(), encoding="utf-8")
    for rel, text in fix.items():
        target = staged.root / "fix" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (staged.root / "fix").mkdir(exist_ok=True)


def make_folder(template: Path, dest: Path, *, timeout_s: float) -> None:
    """Create a task folder from a staged template (the world inlines it into psignal.yaml)."""
    from psignal.taskdir import TaskDir

    TaskDir.create(dest, "spec", config={"template": str(template), "timeout_s": timeout_s}).close()


# ------------------------------------------------------------------------------------ spec create
@dataclass(slots=True)
class CreateReport:
    name: str
    folder: Path
    fail_to_pass: list[str]
    pass_to_pass: list[str]
    has_fix: bool


def create_task(
    source: Path,
    tests: Path,
    dest: Path,
    *,
    name: str | None = None,
    description: str | None = None,
    fix: Path | None = None,
    timeout_s: float = 10.0,
) -> CreateReport:
    """Copy a buggy module and its tests into a new task folder; the failing tests become FAIL_TO_PASS."""
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"{dest}: already exists and is not empty; choose a new folder")
    scratch = Path(tempfile.mkdtemp(prefix="pspec-create-"))
    evaluator = Evaluator(limits=_limits(timeout_s), warm=False)
    try:
        staged = stage(source, tests, scratch / "template")
        before = evaluator.run(staged.source, staged.workspace, None)
        check_runs(before, f"--tests {tests}")
        failing = [t for t, r in before.tests.items() if r.outcome != "passed"]
        passing = [t for t, r in before.tests.items() if r.outcome == "passed"]
        if not failing:
            raise UsageError(
                f"--tests {tests}: all {len(passing)} tests already pass on --source {source}; nothing to repair "
                "(give the buggy version, or use `pworlds spec mutate` to make buggy variants)"
            )
        fix_files: Snapshot = {}
        if fix is not None:
            if not fix.exists():
                raise UsageError(f"--fix {fix}: no such file or directory")
            fix_files = (
                {fix.name if source.is_dir() else source.name: fix.read_text(encoding="utf-8")}
                if fix.is_file()
                else {f"{source.name}/{rel}": text for rel, text in read_files(fix, protected=False).items()}
                if source.is_dir()
                else read_files(fix, protected=False)
            )
            fixed = evaluator.run({**staged.source, **fix_files}, staged.workspace, None)
            still = [t for t, r in fixed.tests.items() if r.outcome != "passed"]
            if still:
                raise UsageError(f"--fix {fix}: {len(still)} tests still fail with the fix, e.g. {still[0]}")
        spec = TaskSpec(
            name=name or staged.module.replace("_", "-"),
            description=description
            or f"Some tests of {staged.module} fail. Repair the source so that every test in tests/ passes.",
            bug_kind="user supplied",
            fail_to_pass=failing,
            pass_to_pass=passing,
            tags=["custom"],
            provenance={"generator": "pworlds spec create", "source": str(source), "tests": str(tests)},
        )
        write_task_yaml(staged, spec, fix_files)
        make_folder(staged.root, dest, timeout_s=timeout_s)
        return CreateReport(spec.name, dest, failing, passing, bool(fix_files))
    finally:
        evaluator.close()
        shutil.rmtree(scratch, ignore_errors=True)


# ------------------------------------------------------------------------------------ spec mutate
@dataclass(slots=True)
class MutantTask:
    name: str
    folder: Path
    mutation: dict[str, Any]
    fail_to_pass: list[str]
    pass_to_pass: list[str]


@dataclass(slots=True)
class MutateReport:
    tasks: list[MutantTask] = field(default_factory=list)
    candidates: int = 0
    tried: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def mutate_module(
    source: Path,
    tests: Path,
    out: Path,
    *,
    count: int,
    seed: int = 0,
    workers: int = 2,
    timeout_s: float = 5.0,
    progress: Callable[[int, int], None] | None = None,
) -> MutateReport:
    """Make up to ``count`` validated buggy variants of a correct single-file module, one task folder each."""
    started = time.monotonic()
    if count < 1:
        raise UsageError(f"-n {count}: ask for at least one mutant")
    if not source.is_file() or source.suffix != ".py":
        raise UsageError(f"--source {source}: spec mutate takes one .py module")
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: already exists and is not empty; choose a new folder")
    scratch = Path(tempfile.mkdtemp(prefix="pspec-mutate-"))
    runners = [WarmRunner(scratch / f"home{i}") for i in range(max(1, workers))]
    for r in runners:
        r.home.mkdir()
        r.launch()
    evaluators = [
        Evaluator(limits=_limits(timeout_s), warm=True, wait_for_warm=True, worker=r) for r in runners
    ]
    report = MutateReport()
    try:
        staged = stage(source, tests, scratch / "original")
        baseline = evaluators[0].run(staged.source, staged.workspace, None)
        check_runs(baseline, f"--tests {tests}")
        broken = [t for t, r in baseline.tests.items() if r.outcome != "passed"]
        if broken:
            raise UsageError(
                f"--source {source}: {len(broken)} tests fail on the original (e.g. {broken[0]}); "
                "spec mutate needs a correct module whose tests all pass"
            )
        all_tests = list(baseline.tests)
        original = source.read_text(encoding="utf-8")
        rel = source.name
        candidates = list(mutants(original, seed))
        report.candidates = len(candidates)

        def grade(job: tuple[int, tuple[Mutation, str]]) -> tuple[Mutation, str, Evaluation]:
            index, (mutation, text) = job
            evaluation = evaluators[index % len(evaluators)].run(
                {**staged.source, rel: text}, staged.workspace, all_tests
            )
            return mutation, text, evaluation

        out.mkdir(parents=True, exist_ok=True)
        batch = max(1, len(evaluators))
        position = 0
        with ThreadPoolExecutor(max_workers=len(evaluators)) as pool:
            while len(report.tasks) < count and position < len(candidates):
                jobs = list(enumerate(candidates[position : position + batch * 2], start=position))
                position += len(jobs)
                # One evaluator per thread: job i runs on evaluator i % workers, never two at once.
                groups = [[j for j in jobs if j[0] % batch == k] for k in range(batch)]
                for results in pool.map(lambda group: [grade(j) for j in group], groups):
                    for mutation, text, evaluation in results:
                        report.tried += 1
                        if len(report.tasks) >= count:
                            continue
                        if evaluation.verdict != "failed":
                            key = "survived" if evaluation.verdict == "passed" else evaluation.verdict
                            report.rejected[key] = report.rejected.get(key, 0) + 1
                            continue
                        report.tasks.append(
                            _mutant_task(
                                staged,
                                source,
                                rel,
                                original,
                                text,
                                mutation,
                                evaluation,
                                out,
                                len(report.tasks) + 1,
                                timeout_s,
                            )
                        )
                        if progress:
                            progress(len(report.tasks), count)
        (out / "index.json").write_text(
            json.dumps(
                {
                    "source": str(source),
                    "tests": str(tests),
                    "seed": seed,
                    "candidates": report.candidates,
                    "tried": report.tried,
                    "rejected": report.rejected,
                    "tasks": [
                        {
                            "name": t.name,
                            "folder": t.folder.name,
                            **t.mutation,
                            "fail_to_pass": len(t.fail_to_pass),
                        }
                        for t in report.tasks
                    ],
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        report.seconds = time.monotonic() - started
        return report
    finally:
        for evaluator in evaluators:
            evaluator.close()
        for runner in runners:
            runner.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _mutant_task(
    staged: Staged,
    source: Path,
    rel: str,
    original: str,
    text: str,
    mutation: Mutation,
    evaluation: Evaluation,
    out: Path,
    number: int,
    timeout_s: float,
) -> MutantTask:
    failing = [t for t, r in evaluation.tests.items() if r.outcome != "passed"]
    passing = [t for t, r in evaluation.tests.items() if r.outcome == "passed"]
    name = f"{staged.module.replace('_', '-')}-m{number:03d}"
    template = staged.root.parent / name
    shutil.copytree(staged.root, template)
    (template / "workspace" / rel).write_text(text, encoding="utf-8")
    spec = TaskSpec(
        name=name,
        description=f"A change broke {staged.module}: some tests in tests/ fail. Repair {rel} so every test passes.",
        bug_kind=f"mutation:{mutation.operator}",
        fail_to_pass=failing,
        pass_to_pass=passing,
        tags=["mutant", mutation.operator],
        provenance={
            "generator": "pworlds spec mutate",
            "source": source.name,
            "original_sha256": hashlib.sha256(original.encode()).hexdigest(),
            **mutation.to_dict(),
        },
    )
    write_task_yaml(Staged(template, {}, staged.module), spec, {rel: original})
    folder = out / name
    make_folder(template, folder, timeout_s=timeout_s)
    shutil.rmtree(template, ignore_errors=True)
    return MutantTask(name, folder, mutation.to_dict(), failing, passing)
