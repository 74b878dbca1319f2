"""The warm pytest worker: a process that has pytest imported and forks one child per test run.

Run as a script (``python -s -P -B warm_server.py FD``) with the same isolated environment as a cold
run; it imports only the standard library and pytest. Requests arrive on the SOCK_SEQPACKET socket ``FD``
as one JSON message carrying the write end of an output pipe (SCM_RIGHTS). For each request the server
forks; the child starts a new session, applies the request's resource limits, closes the control socket
(so code under test cannot ask for more runs), points stdout/stderr at the pipe and calls ``pytest.main``.
The server answers ``{"pid": …}`` at once and ``{"pid": …, "status": …}`` (raw wait status) when the
child has exited. Killing the child is the client's job (it owns the deadline).
"""

from __future__ import annotations

import gc
import importlib
import inspect
import json
import os
import resource
import socket
import sys
import tempfile


def _preimport() -> None:
    import _pytest.config
    import pytest  # noqa: F401

    for name in _pytest.config.default_plugins:
        try:
            importlib.import_module(f"_pytest.{name}")
        except ImportError:
            pass
    for name in (
        "_pytest.assertion.rewrite",
        "_pytest.junitxml",
        "xml.etree.ElementTree",
        "difflib",
        "pprint",
    ):
        importlib.import_module(name)


_DUMMY_SOURCE = "def helper(x):\n    return x\n"
_DUMMY_TEST = (
    "from dummy_helper import helper\n\n\ndef test_ok():\n    assert helper(1) == 1\n\n\n"
    "def test_bad():\n    assert helper(1) == 2\n"
)


def _warm_up() -> None:
    """Run pytest once on a throw-away suite so lazy imports and caches exist before forking.

    Everything the warm-up adds to ``sys.modules``/``sys.path``/``sys.meta_path`` from the throw-away
    directory is removed again; then the heap is frozen so forked children share it copy-on-write.
    """
    import pytest

    inspect.getmodule(_warm_up.__code__)  # fills inspect's module-by-file caches once
    base = tempfile.mkdtemp(prefix="pspec-warmup-")
    tests = os.path.join(base, "tests")
    os.makedirs(tests)
    with open(os.path.join(base, "dummy_helper.py"), "w") as fh:
        fh.write(_DUMMY_SOURCE)
    with open(os.path.join(tests, "test_dummy.py"), "w") as fh:
        fh.write(_DUMMY_TEST)
    ini = os.path.join(base, "warmup.ini")
    with open(ini, "w") as fh:
        fh.write(f"[pytest]\npythonpath = {base}\njunit_family = xunit1\n")
    before, path, meta = set(sys.modules), list(sys.path), list(sys.meta_path)
    cwd = os.getcwd()
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.chdir(base)
        args = ["-c", ini, "--rootdir", base, "-p", "no:cacheprovider", "-q", "--tb=short"]
        pytest.main([*args, f"--junitxml={os.path.join(base, 'r.xml')}", "tests"])
    finally:
        # Flush what pytest buffered, or forked children would inherit and print it.
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)
        os.chdir(cwd)
    for name in set(sys.modules) - before:
        origin = getattr(sys.modules[name], "__file__", None) or ""
        if origin.startswith(base) or name in {"dummy_helper", "test_dummy", "tests"}:
            del sys.modules[name]
    sys.path[:] = path
    sys.meta_path[:] = meta
    import shutil

    shutil.rmtree(base, ignore_errors=True)
    gc.collect()
    gc.freeze()


def _apply_limits(limits: dict[str, int]) -> None:
    mb = 1024 * 1024
    pairs = [
        (resource.RLIMIT_CPU, int(limits["cpu_s"])),
        (resource.RLIMIT_AS, int(limits["memory_mb"]) * mb),
        (resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) * mb),
        (resource.RLIMIT_NPROC, int(limits["max_processes"])),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in pairs:
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def _child(sock: socket.socket, request: dict, out_fd: int) -> None:
    code = 70
    try:
        os.setsid()
        sock.close()
        _apply_limits(request["limits"])
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.close(out_fd)
        os.chdir(request["cwd"])
        # Per-run HOME/TMPDIR exactly as a cold run gets them (nothing shared between runs).
        os.environ["HOME"] = os.environ["TMPDIR"] = request["home"]
        tempfile.tempdir = None
        import pytest

        sys.argv = ["pytest", *request["args"]]
        code = int(pytest.main(request["args"]))
    except BaseException as exc:
        try:
            os.write(2, f"pspec warm worker: {type(exc).__name__}: {exc}\n".encode())
        except OSError:
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        os._exit(code)


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    _preimport()
    _warm_up()
    sock.send(b'{"ready": true}')
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 1)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        if not fds:
            sock.send(b'{"error": "no output pipe passed"}')
            continue
        pid = os.fork()
        if pid == 0:
            _child(sock, request, fds[0])
        os.close(fds[0])
        sock.send(json.dumps({"pid": pid}).encode())
        _, status, usage = os.wait4(pid, 0)
        cpu_s = usage.ru_utime + usage.ru_stime
        sock.send(json.dumps({"pid": pid, "status": status, "cpu_s": cpu_s}).encode())


if __name__ == "__main__":
    main()
