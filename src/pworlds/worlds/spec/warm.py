"""Client of the warm forked pytest worker (``warm_server.py``).

Why: a cold ``python -m pytest`` spends most of its time importing pytest. The warm worker imports it
once and forks a child per run, so an evaluation costs a fork plus the run itself. Isolation is the same
as the cold path: same interpreter flags and environment, same pytest arguments and ini file, the same
resource limits applied in the child, a new session killed as a group, output read through a pipe with the
same byte limit and deadline (:func:`runner.collect_output`). If the worker cannot be started or dies, the
caller falls back to the cold runner.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from psignal.errors import PworldsError
from pworlds.worlds.spec.runner import PYTHON_FLAGS, Limits, RawRun, collect_output, isolated_env

_SERVER = Path(__file__).with_name("warm_server.py")


class WarmRunnerError(PworldsError):
    """The warm worker is unavailable; callers fall back to a cold run."""


class WarmRunner:
    """One warm worker process; ``run`` is serialised with a lock (one run at a time per worker)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._ready = False
        self.failures = 0

    # ------------------------------------------------------------------ lifecycle
    def launch(self) -> None:
        """Start the worker without waiting for it (it warms up in the background)."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._ready = False
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, *PYTHON_FLAGS, str(_SERVER), str(theirs.fileno())],
                cwd=self.home,
                env=isolated_env(self.home),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._sock = ours

    def poll_ready(self, timeout_s: float = 0.0) -> bool:
        """True once the worker has finished warming up; never blocks longer than ``timeout_s``."""
        if self._ready:
            return self.alive
        if self._sock is None or not self.alive:
            return False
        ready, _, _ = select.select([self._sock], [], [], timeout_s)
        if not ready:
            return False
        if not self._sock.recv(4096):
            self.close()
            return False
        self._ready = True
        return True

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the worker and wait until it is warm."""
        self.launch()
        if not self.poll_ready(timeout_s):
            self.close()
            self.failures += 1
            raise WarmRunnerError("the warm pytest worker did not start")

    def close(self) -> None:
        self._ready = False
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            self._proc = None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ------------------------------------------------------------------ one run
    def run(self, run_dir: Path, args: list[str], limits: Limits, home: Path) -> RawRun:
        with self._lock:
            self.start()
            assert self._sock is not None
            sock = self._sock
            started = time.monotonic()
            read_fd, write_fd = os.pipe()
            try:
                request = {"cwd": str(run_dir), "args": args, "limits": limits.to_dict(), "home": str(home)}
                try:
                    socket.send_fds(sock, [json.dumps(request).encode()], [write_fd])
                finally:
                    os.close(write_fd)
                pid = int(self._receive(sock, limits.timeout_s + 10)["pid"])
                status: dict[str, int | None] = {"code": None}

                def poll_exit(timeout: float) -> int | None:
                    if status["code"] is None:
                        ready, _, _ = select.select([sock], [], [], max(timeout, 0))
                        if ready:
                            message = self._receive(sock, 1)
                            status["code"] = os.waitstatus_to_exitcode(int(message["status"]))
                            cpu["s"] = float(message.get("cpu_s", 0.0))
                    return status["code"]

                cpu: dict[str, float] = {"s": 0.0}
                raw = collect_output(read_fd, pid, limits, started, poll_exit)
                raw.cpu_s = cpu["s"]
                return raw
            except (OSError, ValueError, KeyError) as exc:
                self.close()
                self.failures += 1
                raise WarmRunnerError(f"warm pytest worker failed: {exc}") from exc
            finally:
                os.close(read_fd)

    def _receive(self, sock: socket.socket, timeout_s: float) -> dict[str, Any]:
        ready, _, _ = select.select([sock], [], [], timeout_s)
        if not ready:
            raise WarmRunnerError("the warm pytest worker stopped answering")
        data = sock.recv(4096)
        if not data:
            raise WarmRunnerError("the warm pytest worker exited")
        message = json.loads(data)
        if "error" in message:
            raise WarmRunnerError(str(message["error"]))
        return message
