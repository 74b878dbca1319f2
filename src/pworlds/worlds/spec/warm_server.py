"""The warm pytest worker: a process that has pytest imported and forks one child per test run.

Run as a script (``python -s -P -B warm_server.py FD``) with the same isolated environment as a cold
run; it imports only the standard library and pytest. Requests arrive on the SOCK_SEQPACKET socket ``FD``
as one JSON message carrying the write end of an output pipe (SCM_RIGHTS). For each request the server
forks; the child starts a new session, applies the request's resource limits, closes the control socket
(so code under test cannot ask for more runs), points stdout/stderr at the pipe and calls ``pytest.main``.
The server answers ``{"pid": …}`` at once and ``{"pid": …, "status": …}`` (raw wait status) when the
child has exited. Killing the child is the client's job (it owns the deadline).

Before forking, the server prepares what no run can influence, so a child only does its own run: pytest's
``Config`` with every default plugin registered (:func:`_build_config`), an index of the fixtures of
pytest's own plugins (:func:`_index_plugin_fixtures`) and assert rewrites of the template's test files,
keyed by content (:func:`_prime_rewrite_cache`). The child sees exactly what ``pytest.main`` would build
(``tests/spec/test_warm_prebuilt.py`` compares it with cold runs).
"""

from __future__ import annotations

import gc
import importlib
import inspect
import json
import os
import pathlib
import resource
import socket
import sys
import tempfile
from typing import Any

PLUGIN_ARGS = ("-p", "no:cacheprovider", "-p", "no:stepwise")
"""The ``-p`` options every pspec run passes (``runner.pytest_args``); the pre-built config blocks them."""

_prebuilt: Any = None
"""A pristine pytest ``Config`` (plugin manager with every default plugin registered), built once before
any fork; each forked child finishes it for its own run, so no child ever sees another run's state."""


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
    global _prebuilt
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
        args = ["-c", ini, "--rootdir", base, *PLUGIN_ARGS, "-q", "--tb=short"]
        args += [f"--junitxml={os.path.join(base, 'r.xml')}", "tests"]
        # The same code path the children take, so its lazy imports happen here, once. One test passes and
        # one fails (exit code 1): anything else means the pre-built path does not work with this pytest.
        _prebuilt = _build_config()
        try:
            fast_path_works = _run_pytest(args) == 1
        except Exception:
            fast_path_works = False
        if not fast_path_works:
            _prebuilt = False
            pytest.main(args)
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
    if _prebuilt is not False:
        _prebuilt = _build_config()
        if _prebuilt is not False:
            try:
                _index_plugin_fixtures(_prebuilt)
                _use_rewrite_cache()
            except Exception:  # pytest internals moved: run without these shortcuts (the full scans)
                _prebuilt = False
    gc.collect()
    gc.freeze()


def _plugin_args(args: list[str]) -> tuple[str, ...] | None:
    """The ``-p`` options of ``args`` (``None`` if written as ``-pNAME``, which we do not pre-build)."""
    found: list[str] = []
    for i, arg in enumerate(args):
        if arg == "-p" and i + 1 < len(args):
            found += [arg, args[i + 1]]
        elif arg.startswith("-p") and not arg.startswith("--"):
            return None
    return tuple(found)


def _build_config() -> Any:
    """What ``pytest.main`` builds before it reads the arguments: the plugin manager, every default plugin
    imported and registered (about half of a warm run), the parser with every plugin's options. It depends
    only on the ``-p no:…`` options (fixed) and the environment (the same fixed one as a cold run)."""
    try:
        from _pytest.config import get_config

        return get_config(list(PLUGIN_ARGS), prog="pytest.main()")
    except Exception:
        return False


def _index_plugin_fixtures(config: Any) -> None:
    """Let each session find the fixtures of pytest's own plugins without scanning them.

    Every session's ``FixtureManager`` scans every attribute of every registered plugin (about a quarter
    of a warm run). For pytest's own plugins that scan always finds the same thing, so it is done once
    here, before the fork:

    - each ``_pytest.*`` plugin module gets a stand-in module holding only the attributes the scan can act
      on (fixtures, and anything wrapped, so wrong-decorator warnings stay); ``parsefactories`` is given
      the stand-in and registers the very same fixture objects;
    - a plugin object (or class) whose class is defined in pytest or pluggy is scanned through its class
      only (attribute lookups go to ``type(holder)``), so a class with no fixture-like attribute at all
      is skipped.

    Any other holder (conftests, test modules and classes, third-party plugins) takes the unchanged path.
    """
    import types

    from _pytest.compat import safe_getattr
    from _pytest.fixtures import FixtureFunctionDefinition, FixtureManager

    def fixture_like(value: object) -> bool:
        return type(value) is FixtureFunctionDefinition or hasattr(value, "__wrapped__")

    def class_has_fixtures(cls: type) -> bool:
        for name in dir(cls):
            raw = next((base.__dict__[name] for base in cls.__mro__ if name in base.__dict__), None)
            if fixture_like(raw) or type(safe_getattr(cls, name, None)) is FixtureFunctionDefinition:
                return True
        return False

    stand_ins: dict[int, tuple[types.ModuleType, types.ModuleType]] = {}
    for plugin in config.pluginmanager.get_plugins():
        if not isinstance(plugin, types.ModuleType) or not plugin.__name__.startswith("_pytest."):
            continue
        if "__dir__" in plugin.__dict__:
            continue  # dir() would not be the plain __dict__: leave it to the full scan
        stand_in = types.ModuleType(plugin.__name__)
        for name, value in plugin.__dict__.items():
            if fixture_like(value):
                setattr(stand_in, name, value)
        stand_ins[id(plugin)] = (plugin, stand_in)
    plain_classes: dict[int, type] = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith(("_pytest.", "pluggy.")):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ == module_name and not class_has_fixtures(value):
                plain_classes[id(value)] = value
    original = FixtureManager.parsefactories
    original = getattr(original, "_pspec_original", original)

    def parsefactories(self: Any, *args: Any, **kwargs: Any) -> None:
        holder = kwargs.get("holder")
        if not args and holder is not None:
            entry = stand_ins.get(id(holder))
            if entry is not None and entry[0] is holder:
                kwargs["holder"] = entry[1]
            elif not isinstance(holder, types.ModuleType):
                cls = holder if isinstance(holder, type) else type(holder)
                if plain_classes.get(id(cls)) is cls:
                    return  # the scan would find nothing: no fixture-like attribute on the class
        original(self, *args, **kwargs)

    parsefactories._pspec_original = original  # type: ignore[attr-defined]
    FixtureManager.parsefactories = parsefactories  # type: ignore[method-assign]


_REWRITE_CACHE_MAX = 512
_rewritten: dict[str, bytes] = {}
"""sha256 of a test file's bytes -> marshalled code with its asserts rewritten (filled by this process only)."""


def _prime_rewrite_cache(run_dir: str) -> None:
    """Rewrite the asserts of the run's test files here, before the fork, keyed by their content.

    Why it is safe: only this process fills the cache, from files the evaluator copied from the hidden
    template (``tests/**`` and every ``conftest.py``: the agent's copies never reach a run) before any code
    of the run has started; the key is the whole content, so a cached rewrite is exactly what the child
    would compute. Rewriting does not execute the file. A file whose rewrite warns is not cached (the child
    rewrites it and emits the warning like a cold run would).
    """
    import ast
    import hashlib
    import marshal
    import warnings

    from _pytest.assertion.rewrite import rewrite_asserts

    for root, dirs, files in os.walk(run_dir):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        in_tests = os.path.relpath(root, run_dir).split(os.sep)[0] == "tests"
        for name in files:
            if not name.endswith(".py") or not (in_tests or name == "conftest.py"):
                continue
            path = os.path.join(root, name)
            try:
                if os.path.islink(path) or os.path.getsize(path) > 512 * 1024:
                    continue
                with open(path, "rb") as fh:
                    source = fh.read()
            except OSError:
                continue
            key = hashlib.sha256(source).hexdigest()
            if key in _rewritten:
                continue
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    tree = ast.parse(source, filename=path)
                    rewrite_asserts(tree, source, path, None)
                    code = compile(tree, path, "exec", dont_inherit=True)
            except Exception:
                continue
            if caught:
                continue
            if len(_rewritten) >= _REWRITE_CACHE_MAX:
                del _rewritten[next(iter(_rewritten))]
            _rewritten[key] = marshal.dumps(code)


def _use_rewrite_cache() -> None:
    """Make pytest's ``_rewrite_test`` take a rewrite from the cache when the file's content matches."""
    import _imp
    import hashlib
    import importlib.util
    import marshal

    from _pytest.assertion import rewrite

    original = rewrite._rewrite_test
    if getattr(original, "_pspec_original", None) is not None:
        original = original._pspec_original

    def _rewrite_test(fn: Any, config: Any) -> Any:
        cached = None
        if not config.getini("enable_assertion_pass_hook"):
            try:
                source = fn.read_bytes()
            except OSError:
                return original(fn, config)
            cached = _rewritten.get(hashlib.sha256(source).hexdigest())
        if cached is None:
            return original(fn, config)
        code = marshal.loads(cached)  # a fresh object per file, then pointed at this run's path
        _imp._fix_co_filename(code, str(fn))
        return importlib.util.source_hash(source), code

    _rewrite_test._pspec_original = original  # type: ignore[attr-defined]
    rewrite._rewrite_test = _rewrite_test


def _run_pytest(args: list[str]) -> int:
    """``pytest.main(args)``, on the pre-built config when there is one for these ``-p`` options.

    Mirrors ``_pytest.config._main`` step by step (same hooks, error reporting and exit codes); the only
    difference is that ``get_config`` ran before the fork. The invocation parameters (arguments, working
    directory) are set to this run's, exactly what ``get_config`` would have recorded here.
    """
    import pytest
    from _pytest.config import (
        Config,
        ConftestImportFailure,
        ExitCode,
        PluginImportFailure,
        UsageError,
        print_conftest_import_error,
        print_plugin_import_error,
        print_usage_error,
    )

    config = _prebuilt
    if not config or _plugin_args(args) != PLUGIN_ARGS:
        return int(pytest.main(args))
    old_version = os.environ.get("PYTEST_VERSION")
    os.environ["PYTEST_VERSION"] = pytest.__version__
    try:
        config.invocation_params = Config.InvocationParams(args=args, plugins=None, dir=pathlib.Path.cwd())
        pluginmanager = config.pluginmanager
        try:
            try:
                config = pluginmanager.hook.pytest_cmdline_parse(pluginmanager=pluginmanager, args=args)
            except BaseException:
                config._ensure_unconfigure()
                raise
        except ConftestImportFailure as e:
            print_conftest_import_error(e, file=sys.stderr)
            return int(ExitCode.USAGE_ERROR)
        except PluginImportFailure as e:
            print_plugin_import_error(e, file=sys.stderr)
            return int(ExitCode.INTERNAL_ERROR)
        try:
            return int(config.hook.pytest_cmdline_main(config=config))
        finally:
            config._ensure_unconfigure()
    except UsageError as e:
        print_usage_error(e, file=sys.stderr)
        return int(ExitCode.USAGE_ERROR)
    finally:
        if old_version is None:
            os.environ.pop("PYTEST_VERSION", None)
        else:
            os.environ["PYTEST_VERSION"] = old_version


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
        sys.argv = ["pytest", *request["args"]]
        code = _run_pytest(request["args"])
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
        if _prebuilt:
            _prime_rewrite_cache(request["cwd"])
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
