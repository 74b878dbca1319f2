"""pspec benchmarks: run_tests latency (cold vs warm forked worker) and bug synthesis throughput.

Run: .venv/bin/python benchmarks/bench_spec.py [--quick]
Prints a markdown table and writes it to docs/perf/spec.md.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pworlds.worlds.spec import SpecWorld
from pworlds.worlds.spec.create import DEMO_SOURCE, DEMO_TESTS, mutate_module
from pworlds.worlds.spec.evaluate import Evaluator
from pworlds.worlds.spec.runner import Limits
from pworlds.worlds.spec.task import builtin_template
from pworlds.worlds.spec.warm import WarmRunner
from pworlds.worlds.spec.workspace import read_source

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "perf" / "spec.md"


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms (p90 {sorted(samples)[int(len(samples) * 0.9) - 1] * 1000:.0f})"


def raw_pytest(autoload: bool, n: int) -> list[float]:
    """Plain `python -m pytest` on the FizzBuzz workspace, for reference."""
    work = Path(tempfile.mkdtemp())
    shutil.copytree(builtin_template("fizzbuzz") / "workspace", work / "ws")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    times = []
    for _ in range(n):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "pythonpath=.", "tests"],
            cwd=work / "ws",
            env=env,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    shutil.rmtree(work)
    return times


def evaluator_runs(warm: bool, n: int) -> tuple[list[float], list[float]]:
    """Wall-clock seconds per evaluation and CPU seconds of the test process."""
    template = builtin_template("fizzbuzz") / "workspace"
    source = read_source(template)
    evaluator = Evaluator(limits=Limits(), warm=warm, wait_for_warm=warm)
    evaluator.run(source, template, None)
    times, cpu = [], []
    for _ in range(n):
        started = time.perf_counter()
        result = evaluator.run(source, template, None)
        times.append(time.perf_counter() - started)
        cpu.append(result.cpu_s)
        assert result.runner == ("warm" if warm else "cold")
    evaluator.close()
    return times, cpu


def world_steps(n: int) -> list[float]:
    """Full `run_tests` steps through SpecWorld (snapshot, diffs, grading) on a warm worker."""
    world = SpecWorld()
    world.reset(task="fizzbuzz")
    world.evaluator.wait_for_warm = True
    world.step("run_tests")
    times = []
    for i in range(n):
        # A real edit each time, so no step is the cheap "unchanged" case.
        path = world.workspace / "fizzbuzz.py"
        path.write_text(path.read_text() + f"\n# edit {i}\n")
        started = time.perf_counter()
        world.step("run_tests")
        times.append(time.perf_counter() - started)
    world.close()
    return times


def warm_startup(n: int) -> list[float]:
    times = []
    for _ in range(n):
        home = Path(tempfile.mkdtemp())
        runner = WarmRunner(home)
        started = time.perf_counter()
        runner.start()
        times.append(time.perf_counter() - started)
        runner.close()
        shutil.rmtree(home)
    return times


def cli_first_step(n: int) -> list[float]:
    """`pworlds step DIR run-tests` in a fresh process (what a person at a shell pays)."""
    exe = Path(sys.executable).parent / "pworlds"
    times = []
    for _ in range(n):
        work = Path(tempfile.mkdtemp())
        subprocess.run([exe, "new", "spec", work / "t"], check=True, capture_output=True)
        started = time.perf_counter()
        subprocess.run([exe, "step", work / "t", "run-tests"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
        shutil.rmtree(work)
    return times


def main() -> None:
    quick = "--quick" in sys.argv
    n = 5 if quick else 30
    rows: list[tuple[str, str]] = []
    rows.append(
        (
            "raw `python -m pytest`, plugin autoload on (reference)",
            median_ms(raw_pytest(True, 3 if quick else 8)),
        )
    )
    rows.append(
        ("raw `python -m pytest`, autoload off (reference)", median_ms(raw_pytest(False, 3 if quick else 8)))
    )
    cold_wall, cold_cpu = evaluator_runs(False, 5 if quick else 15)
    rows.append(("cold isolated evaluation (fresh interpreter), wall", median_ms(cold_wall)))
    rows.append(("cold isolated evaluation, CPU time of the test process", median_ms(cold_cpu)))
    rows.append(("warm worker start-up (import + warm-up run, once per process)", median_ms(warm_startup(3))))
    warm_wall, warm_cpu = evaluator_runs(True, n)
    rows.append(("warm isolated evaluation (forked worker), wall", median_ms(warm_wall)))
    rows.append(("warm isolated evaluation, CPU time of the forked child", median_ms(warm_cpu)))
    rows.append(
        ("warm `run_tests` step via SpecWorld (edit, snapshot, diffs, grade)", median_ms(world_steps(n)))
    )
    rows.append(
        (
            "`pworlds step DIR run-tests` in a new process (cold start)",
            median_ms(cli_first_step(3 if quick else 5)),
        )
    )
    out = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    report = mutate_module(DEMO_SOURCE, DEMO_TESTS, out / "m", count=20, seed=0, workers=2)
    seconds = time.perf_counter() - started
    shutil.rmtree(out)
    rows.append(
        (
            f"`spec mutate -n 20` on the demo module, 2 workers ({report.tried} mutants graded)",
            f"{seconds:.1f} s for {len(report.tasks)} validated tasks",
        )
    )
    table = [
        "| measurement (FizzBuzz unless noted) | median |",
        "|---|---|",
        *[f"| {a} | {b} |" for a, b in rows],
    ]
    text = (
        "# pspec performance\n\n"
        f"Measured by `benchmarks/bench_spec.py` on {os.cpu_count()} cores (Python {sys.version.split()[0]}), "
        f"load average {os.getloadavg()[0]:.1f} at the end of the run. Wall-clock times grow with the load of "
        "the machine (the issue measured raw `python -m pytest` at about 1.3 s with autoload and 0.3 s without "
        "on an idle machine; compare the reference rows); CPU times of the test process barely do.\n\n"
        + "\n".join(table)
        + "\n\n"
        "Targets: warm `run_tests` on FizzBuzz <= 100 ms median; 20 validated mutants <= 60 s on 2 cores.\n"
        "Both paths use the same isolation (environment, resource limits, `-c` ini outside the copy, tests from "
        "the template, process-group kill, output limit); autoload of third-party pytest plugins stays off.\n\n"
        "What makes a warm run cheap (docs/spec.md, Warm runner): the forked child starts from a pytest `Config` "
        "built before the fork (plugins imported and registered), pytest's own plugins' fixtures indexed once, "
        "and assert rewrites of the template's tests cached by content in the worker. Before these (plain "
        "`pytest.main` in the child; same machine, load 1.2) a warm evaluation was 109 ms wall / 99 ms CPU and "
        "a warm `run_tests` step 117 ms. In the forked child about a third of the remaining CPU time is "
        "system time: copy-on-write page faults as the child touches the shared heap (Python 3.11 has no "
        "immortal objects).\n"
    )
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)


if __name__ == "__main__":
    main()
