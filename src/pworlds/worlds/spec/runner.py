"""Run a task's pytest suite in isolation and turn the outcome into a recorded verdict.

Why a separate process on a copy: the code under test is written by the agent and is untrusted. Each run
gets a fresh directory holding the workspace *source* plus the tests and conftest files from the hidden
template, a fixed environment (TZ=UTC, PYTHONHASHSEED=0, LC_ALL=C.UTF-8, no user site, plugin autoload
off), resource limits (CPU seconds, address space, file size, process count, no core dumps), an explicit
ini file outside the copy (so a ``pytest.ini``/``pyproject.toml`` planted in the workspace is ignored),
and a wall-clock timeout. Output is read through a pipe with a byte limit; the per-test verdicts come from
pytest's JUnit XML and are matched against the task's expected test ids, so a test that disappears, a
module that calls ``sys.exit(0)`` at import, or a process that dies early counts as not passed.

The same request is executed either cold (``python -m pytest``) or by the warm forked worker in
``warm.py``; both use :func:`pytest_args`, :func:`isolated_env`, :func:`apply_limits` and
:func:`collect_output`, so the warm path is never weaker than the cold one.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUTPUT_CAP_BYTES = 16 * 1024
"""How much test output is recorded per evaluation (head + tail); the cap itself is recorded too."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits of one test run. ``max_processes`` is RLIMIT_NPROC: per user, not enforced for root."""

    timeout_s: float = 10.0
    cpu_s: int = 10
    memory_mb: int = 2048
    file_size_mb: int = 16
    max_processes: int = 256
    output_limit_bytes: int = 4 * 1024 * 1024

    def to_dict(self) -> dict[str, Any]:
        return {
            "timeout_s": self.timeout_s,
            "cpu_s": self.cpu_s,
            "memory_mb": self.memory_mb,
            "file_size_mb": self.file_size_mb,
            "max_processes": self.max_processes,
            "output_limit_bytes": self.output_limit_bytes,
        }


def isolated_env(home: Path) -> dict[str, str]:
    """The complete environment of a test run: nothing is inherited from the caller."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "TZ": "UTC",
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "COLUMNS": "100",
        "NO_COLOR": "1",
    }


PYTHON_FLAGS = ("-s", "-P", "-B")
"""No user site, no unsafe sys.path[0], no bytecode. (Not ``-I``: it would also drop PYTHONHASHSEED.)"""


def write_ini(path: Path, run_dir: Path) -> Path:
    """The only pytest configuration a run sees (``-c``); it lives outside the run directory."""
    path.write_text(
        "[pytest]\n"
        f"pythonpath = {run_dir}\n"
        "junit_family = xunit1\n"
        "junit_logging = no\n"
        "console_output_style = classic\n",
        encoding="utf-8",
    )
    return path


def pytest_args(run_dir: Path, ini: Path, junit_xml: Path) -> list[str]:
    """Arguments for ``pytest.main`` (identical for the cold and the warm runner)."""
    return [
        "-c",
        str(ini),
        "--rootdir",
        str(run_dir),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:stepwise",
        "-q",
        "--tb=short",
        "--color=no",
        f"--junitxml={junit_xml}",
        "tests",
    ]


def apply_limits(limits: Limits) -> None:
    """Set the run's resource limits in the child (``preexec_fn`` or after ``fork``)."""
    mb = 1024 * 1024
    pairs = [
        (resource.RLIMIT_CPU, limits.cpu_s),
        (resource.RLIMIT_AS, limits.memory_mb * mb),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * mb),
        (resource.RLIMIT_NPROC, limits.max_processes),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in pairs:
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


@dataclass(slots=True)
class RawRun:
    """What came back from a process: exit status, output (capped) and why it stopped."""

    returncode: int | None
    output_head: bytes = b""
    output_tail: bytes = b""
    output_bytes: int = 0
    timed_out: bool = False
    over_output_limit: bool = False
    duration_s: float = 0.0
    cpu_s: float = 0.0
    """CPU seconds (user + system) of the test process: a load-independent cost measure."""


def kill_group(pid: int) -> None:
    """Kill the run's whole process group (it called setsid), so stray children cannot outlive it."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def collect_output(
    out_fd: int,
    pid: int,
    limits: Limits,
    started: float,
    poll_exit: Callable[[float], int | None],
    extra_fd: int | None = None,
) -> RawRun:
    """Read the child's output until it exits, with a wall-clock deadline and a byte limit.

    ``poll_exit(timeout)`` returns the exit code once the child has exited (negative: killed by that
    signal) or ``None``. Output beyond ``OUTPUT_CAP_BYTES`` is counted but only head and tail are kept.
    """
    deadline = started + limits.timeout_s
    head = bytearray()
    tail = bytearray()
    half = OUTPUT_CAP_BYTES // 2
    total = 0
    eof = False
    code: int | None = None
    run = RawRun(returncode=None)
    os.set_blocking(out_fd, False)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            run.timed_out = True
            break
        if eof:
            code = poll_exit(min(remaining, 0.05))
            if code is not None:
                break
            continue
        watch = [out_fd] if extra_fd is None else [out_fd, extra_fd]
        ready, _, _ = select.select(watch, [], [], min(remaining, 0.05))
        if out_fd in ready:
            while True:
                try:
                    chunk = os.read(out_fd, 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    eof = True
                    break
                total += len(chunk)
                if len(head) < half:
                    head += chunk[: half - len(head)]
                tail += chunk
                if len(tail) > half:
                    del tail[: len(tail) - half]
                if total > limits.output_limit_bytes:
                    break
            if total > limits.output_limit_bytes:
                run.over_output_limit = True
                break
        if not eof:
            code = poll_exit(0)
            if code is not None:
                # The main process is gone; stray children may still hold the pipe open.
                kill_group(pid)
    kill_group(pid)
    if code is None:
        code = poll_exit(5.0)
    run.returncode = code
    run.output_head = bytes(head)
    after_head = total - len(head)
    run.output_tail = bytes(tail[len(tail) - min(after_head, len(tail)) :]) if after_head > 0 else b""
    run.output_bytes = total
    run.duration_s = time.monotonic() - started
    return run


def run_cold(run_dir: Path, args: list[str], home: Path, limits: Limits) -> RawRun:
    """A fresh interpreter per run: ``python -s -P -B -m pytest`` (the reference path)."""
    started = time.monotonic()
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, *PYTHON_FLAGS, "-m", "pytest", *args],
            cwd=run_dir,
            env=isolated_env(home),
            stdin=subprocess.DEVNULL,
            stdout=write_fd,
            stderr=write_fd,
            start_new_session=True,
            preexec_fn=lambda: apply_limits(limits),
            close_fds=True,
        )
    finally:
        os.close(write_fd)

    def poll_exit(timeout: float) -> int | None:
        try:
            return proc.wait(timeout=timeout) if timeout > 0 else proc.poll()
        except subprocess.TimeoutExpired:
            return None

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        raw = collect_output(read_fd, proc.pid, limits, started, poll_exit)
    finally:
        os.close(read_fd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    raw.cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return raw
