"""Substrate benchmarks: in-memory steps, file-backed steps per durability, fsync cost, replay, CLI start-up.

Run: ``python benchmarks/bench_core.py [--quick]``. Prints a markdown table and writes docs/perf/core.md.
Figures are measured in this process, side by side, on whatever machine runs it; nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from psignal.replay import replay_dir
from psignal.taskdir import TaskDir
from pworlds.worlds.counter import CounterWorld

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "perf" / "core.md"


def best_of(fn, repeats: int = 5) -> float:
    """Best (least disturbed) of several timings, in seconds."""
    return min(fn() for _ in range(repeats))


def in_memory_steps(n: int) -> float:
    world = CounterWorld({"goal": 10**9, "maximum": 10**9 + 1})
    world.reset()
    action = {"name": "+1", "arguments": {}}

    def run() -> float:
        started = time.perf_counter()
        for _ in range(n):
            world.step(action)
        return time.perf_counter() - started

    return n / best_of(run)


def file_backed_steps(durability: str, n: int, scratch: Path) -> float:
    folder = scratch / f"fb-{durability.replace(':', '-')}"
    shutil.rmtree(folder, ignore_errors=True)
    td = TaskDir.create(
        folder, "counter", config={"goal": 10**9, "maximum": 10**9 + 1}, durability=durability
    )
    action = {"name": "+1", "arguments": {}}
    started = time.perf_counter()
    for _ in range(n):
        td.step(action)
    td.close()
    return n / (time.perf_counter() - started)


def fsync_cost_us(scratch: Path, n: int = 300) -> float:
    path = scratch / "fsync.bin"
    with open(path, "ab") as f:
        started = time.perf_counter()
        for _ in range(n):
            f.write(b"x" * 300 + b"\n")
            f.flush()
            os.fsync(f.fileno())
        return (time.perf_counter() - started) / n * 1e6


def replay_seconds(steps: int, scratch: Path) -> float:
    folder = scratch / "replay"
    shutil.rmtree(folder, ignore_errors=True)
    td = TaskDir.create(folder, "counter", config={"goal": 10**9, "maximum": 10**9 + 1}, durability="close")
    action = {"name": "+1", "arguments": {}}
    for _ in range(steps):
        td.step(action)
    td.close()

    def run() -> float:
        started = time.perf_counter()
        report = replay_dir(folder)
        elapsed = time.perf_counter() - started
        assert report.ok and report.steps == steps, report.summary()
        return elapsed

    return best_of(run, repeats=3)  # other load on a shared machine only ever adds time


def cli_ms(args: list[str], repeats: int = 7) -> float:
    exe = Path(sys.executable).parent / "pworlds"
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([str(exe), *args], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI smoke run)")
    opts = parser.parse_args()
    n_mem, n_file, n_replay = (20_000, 300, 10_000) if opts.quick else (300_000, 3_000, 100_000)
    scratch = Path(tempfile.mkdtemp(prefix="pworlds-bench-"))
    try:
        show_dir = scratch / "show"
        TaskDir.create(show_dir, "counter").close()
        started = time.perf_counter()
        sum(range(10**7))
        yardstick_ms = (time.perf_counter() - started) * 1000
        rows = [
            (
                "machine yardstick: `sum(range(10**7))` (≈ 100 ms on an idle modern core)",
                f"{yardstick_ms:.0f} ms",
                "—",
            ),
            ("in-memory counter `World.step`", f"{in_memory_steps(n_mem):,.0f} steps/s", "≥ 300,000 steps/s"),
            (
                "file-backed step, durability=step (fsync trace + state.json each step)",
                f"{file_backed_steps('step', n_file // 3, scratch):,.0f} steps/s",
                "report",
            ),
            (
                "file-backed step, durability=every:100",
                f"{file_backed_steps('every:100', n_file, scratch):,.0f} steps/s",
                "≥ 2,000 steps/s",
            ),
            (
                "file-backed step, durability=close",
                f"{file_backed_steps('close', n_file, scratch):,.0f} steps/s",
                "≥ 2,000 steps/s",
            ),
            ("one fsync of an appended trace line", f"{fsync_cost_us(scratch):,.0f} µs", "report"),
            (
                f"replay of a {n_replay:,}-step counter trace (best of 3)",
                f"{replay_seconds(n_replay, scratch):.2f} s",
                "< 2 s (100k steps)",
            ),
            ("`pworlds --help` start-up (median of 7)", f"{cli_ms(['--help']):.0f} ms", "< 300 ms"),
            (
                "`pworlds show DIR` start-up (median of 7)",
                f"{cli_ms(['show', str(show_dir)]):.0f} ms",
                "< 300 ms",
            ),
        ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    table = ["| measure | result | target |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]
    text = "\n".join(table)
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(f"## Substrate (psignal + counter)\n\n{text}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
