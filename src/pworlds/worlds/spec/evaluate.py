"""One evaluation: copy the source and the template's tests into a fresh directory, run, judge.

The run directory is built from a snapshot of the workspace *source* plus the protected files (tests,
conftest) of the template, so nothing the agent did to tests can reach the grader. Runs use the warm
forked worker when enabled (falling back to a cold interpreter if it is unavailable); both paths share
arguments, environment, limits and output handling (see ``runner.py``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pworlds.worlds.spec.runner import OUTPUT_CAP_BYTES, Limits, RawRun, pytest_args, run_cold, write_ini
from pworlds.worlds.spec.verdict import (
    CaseResult,
    decide_verdict,
    decode_output,
    parse_junit,
    scrub,
    signal_name,
)
from pworlds.worlds.spec.warm import WarmRunner, WarmRunnerError
from pworlds.worlds.spec.workspace import Snapshot, read_files, write_files


@dataclass(slots=True)
class Evaluation:
    """The recorded result of one test run (see ``SpecWorld`` for how it becomes a step)."""

    verdict: str
    message: str
    tests: dict[str, CaseResult]
    passed: int
    total: int
    output: str
    output_bytes: int
    output_non_utf8: bool
    returncode: int | None
    runner: str
    duration_s: float
    cpu_s: float
    limits: dict[str, Any] = field(default_factory=dict)

    @property
    def solved(self) -> bool:
        return self.verdict == "passed"

    def info(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "message": self.message,
            "tests": {tid: r.to_dict() for tid, r in self.tests.items()},
            "passed": self.passed,
            "total": self.total,
            "output": self.output,
            "output_bytes": self.output_bytes,
            "output_cap_bytes": OUTPUT_CAP_BYTES,
            "output_truncated": self.output_bytes > OUTPUT_CAP_BYTES,
            "output_non_utf8": self.output_non_utf8,
            "returncode": self.returncode,
            "signal": signal_name(self.returncode),
            "runner": self.runner,
            "duration_s": round(self.duration_s, 4),
            "cpu_s": round(self.cpu_s, 4),
            "limits": self.limits,
        }


_shared: dict[int, WarmRunner] = {}
_shared_lock = threading.Lock()


def shared_warm_runner() -> WarmRunner:
    """One warm worker per process (re-created after a fork: a socket must not be shared)."""
    pid = os.getpid()
    with _shared_lock:
        runner = _shared.get(pid)
        if runner is None:
            _shared.clear()
            runner = WarmRunner(Path(tempfile.mkdtemp(prefix="pspec-warm-")))
            _shared[pid] = runner
            atexit.register(_close_shared, pid)
        return runner


def _close_shared(pid: int) -> None:
    runner = _shared.pop(pid, None)
    if runner is not None and pid == os.getpid():
        runner.close()
        shutil.rmtree(runner.home, ignore_errors=True)


def _start(worker: WarmRunner) -> bool:
    try:
        worker.start()
    except WarmRunnerError:
        return False
    return True


class Evaluator:
    """Runs a task's tests against source snapshots; owns a private scratch directory."""

    def __init__(
        self,
        *,
        limits: Limits,
        warm: bool = True,
        wait_for_warm: bool = False,
        worker: WarmRunner | None = None,
    ) -> None:
        """``warm``: use the shared warm worker once it is ready (runs before that are cold, so a one-shot
        CLI step never waits for a worker it will not reuse). ``wait_for_warm``: block until it is ready."""
        self.limits = limits
        self.warm = warm
        self.wait_for_warm = wait_for_warm
        self.worker = worker
        self._scratch = Path(tempfile.mkdtemp(prefix="pspec-run-"))
        self._count = 0
        weakref.finalize(self, shutil.rmtree, self._scratch, True)

    def close(self) -> None:
        shutil.rmtree(self._scratch, ignore_errors=True)

    def run(self, source: Snapshot, template_workspace: Path, expected: list[str] | None) -> Evaluation:
        """Evaluate ``source`` against the template's tests; ``expected=None`` grades every test found."""
        self._count += 1
        self._scratch.mkdir(parents=True, exist_ok=True)
        base = Path(tempfile.mkdtemp(prefix=f"e{self._count}-", dir=self._scratch))
        run_dir, home = base / "workspace", base / "home"
        home.mkdir()
        write_files(run_dir, source, protected=False)
        write_files(run_dir, read_files(template_workspace, protected=True), protected=True)
        ini = write_ini(base / "pspec-pytest.ini", run_dir)
        junit = base / "report.xml"
        args = pytest_args(run_dir, ini, junit)
        runner = "cold"
        raw: RawRun | None = None
        worker = (self.worker or shared_warm_runner()) if self.warm else None
        try:
            if worker is not None and (
                worker.poll_ready() or (self.wait_for_warm and worker.failures < 3 and _start(worker))
            ):
                try:
                    raw = worker.run(run_dir, args, self.limits, home)
                    runner = "warm"
                except WarmRunnerError:
                    raw = None
            if raw is None:
                raw = run_cold(run_dir, args, home, self.limits)
                if worker is not None and worker.failures < 3:
                    # Warm up in the background for the next evaluation; started after this cold run so the
                    # two never compete for the CPU (a one-shot CLI step exits before it matters).
                    worker.launch()
            report = parse_junit(junit)
            verdict = decide_verdict(
                raw, report, list(report.tests) if expected is None else expected, self.limits
            )
            output, non_utf8 = decode_output(raw)
            paths = {str(run_dir) + "/": "", str(run_dir): "workspace", str(base): "<run>"}
            output = scrub(output, paths)
            for result in verdict.tests.values():
                result.message = scrub(result.message, paths)
            return Evaluation(
                verdict=verdict.verdict,
                message=scrub(verdict.message, paths),
                tests=verdict.tests,
                passed=verdict.passed,
                total=verdict.total,
                output=output,
                output_bytes=raw.output_bytes,
                output_non_utf8=non_utf8,
                returncode=raw.returncode,
                runner=runner,
                duration_s=raw.duration_s,
                cpu_s=raw.cpu_s,
                limits=self.limits.to_dict(),
            )
        finally:
            shutil.rmtree(base, ignore_errors=True)
