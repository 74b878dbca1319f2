"""Hostile and broken code gets a clear recorded verdict on both runners, and cannot fake a pass."""

from __future__ import annotations

import os
import time

import pytest

from pworlds.worlds.spec import SpecWorld

from .conftest import MakeWorld

F2P = ["tests.test_mod::test_value"]
TESTS = "from mod import value\n\n\ndef test_value():\n    assert value() == 42\n"


@pytest.fixture(params=["cold", "warm"])
def runner(request: pytest.FixtureRequest) -> str:
    return request.param


def run(make_world: MakeWorld, runner: str, source: str, tests: str = TESTS, **kw) -> tuple[SpecWorld, dict]:
    world = make_world(source, tests, fail_to_pass=kw.pop("fail_to_pass", F2P), warm=runner == "warm", **kw)
    world.evaluator.wait_for_warm = True
    result = world.step("run_tests")
    assert result.valid
    assert result.info["runner"] == runner
    return world, dict(result.info)


def test_correct_code_passes(make_world: MakeWorld, runner: str) -> None:
    _, info = run(make_world, runner, "def value():\n    return 42\n")
    assert info["verdict"] == "passed"
    assert info["tests"] == {"tests.test_mod::test_value": {"outcome": "passed"}}


def test_infinite_loop_is_a_timeout(make_world: MakeWorld, runner: str) -> None:
    started = time.monotonic()
    _, info = run(make_world, runner, "def value():\n    while True:\n        pass\n", timeout_s=1.5)
    assert info["verdict"] == "timeout"
    assert info["tests"]["tests.test_mod::test_value"]["outcome"] == "timeout"
    assert "did not finish within 1.5 s" in info["message"]
    assert time.monotonic() - started < 10


def test_segfault_is_a_crash(make_world: MakeWorld, runner: str) -> None:
    source = "import ctypes\n\n\ndef value():\n    return ctypes.string_at(0)\n"
    _, info = run(make_world, runner, source)
    assert info["verdict"] == "crashed"
    assert info["signal"] == "SIGSEGV"
    assert "SIGSEGV" in info["message"]


def test_syntax_error_is_a_collection_error(make_world: MakeWorld, runner: str) -> None:
    _, info = run(make_world, runner, "def value(:\n    return 42\n")
    assert info["verdict"] == "collection_error"
    assert "SyntaxError" in info["message"] or "invalid syntax" in info["message"]
    assert info["tests"]["tests.test_mod::test_value"]["outcome"] == "missing"


def test_non_utf8_output_is_recorded_and_flagged(make_world: MakeWorld, runner: str) -> None:
    # Find the pipe pytest keeps for its own terminal and write raw invalid UTF-8 to it.
    source = (
        "import os, stat\n\n\ndef value():\n"
        "    for fd in range(3, 64):\n"
        "        try:\n"
        "            if stat.S_ISFIFO(os.fstat(fd).st_mode):\n"
        "                os.write(fd, b'bad bytes: \\xff\\xfe\\x80\\n')\n"
        "        except OSError:\n"
        "            pass\n"
        "    return 41\n"
    )
    _, info = run(make_world, runner, source)
    assert info["verdict"] == "failed"
    assert info["output_non_utf8"] is True
    assert "bad bytes" in info["output"]


def test_huge_output_is_cut_with_the_cap_recorded(make_world: MakeWorld, runner: str) -> None:
    source = "def value():\n    for _ in range(40000):\n        print('x' * 1000)\n    return 41\n"
    _, info = run(make_world, runner, source)
    assert info["verdict"] == "output_limit"
    assert "more than" in info["message"]
    assert info["output_truncated"] is True
    assert len(info["output"]) <= info["output_cap_bytes"] + 200
    assert info["output_bytes"] > info["output_cap_bytes"]


def test_sys_exit_zero_at_import_is_not_a_pass(make_world: MakeWorld, runner: str) -> None:
    _, info = run(make_world, runner, "import sys\nsys.exit(0)\n\n\ndef value():\n    return 42\n")
    assert info["verdict"] != "passed"
    assert info["passed"] == 0


def test_os_exit_zero_is_no_report(make_world: MakeWorld, runner: str) -> None:
    _, info = run(make_world, runner, "import os\n\n\ndef value():\n    os._exit(0)\n")
    assert info["verdict"] == "no_report"
    assert info["passed"] == 0


def test_sys_exit_inside_a_test_is_a_failure(make_world: MakeWorld, runner: str) -> None:
    _, info = run(make_world, runner, "import sys\n\n\ndef value():\n    sys.exit(0)\n")
    assert info["verdict"] == "failed"


def test_memory_limit_turns_a_hog_into_a_failure(make_world: MakeWorld, runner: str) -> None:
    source = "def value():\n    block = bytearray(8 * 1024 ** 3)\n    return len(block)\n"
    _, info = run(make_world, runner, source)
    assert info["verdict"] == "failed"
    assert "MemoryError" in info["tests"]["tests.test_mod::test_value"]["message"]


def test_environment_and_limits_are_fixed(make_world: MakeWorld, runner: str) -> None:
    tests = (
        "import os, resource, sys\n\n\n"
        "def test_env():\n"
        "    assert os.environ['TZ'] == 'UTC'\n"
        "    assert os.environ['PYTHONHASHSEED'] == '0'\n"
        "    assert os.environ['LC_ALL'] == 'C.UTF-8'\n"
        "    assert os.environ['PYTEST_DISABLE_PLUGIN_AUTOLOAD'] == '1'\n"
        "    assert sys.flags.no_user_site == 1\n"
        "    assert 'SECRET_FROM_CALLER' not in os.environ\n"
        "    assert hash('abc') == hash('abc')\n"
        "    import tempfile\n"
        "    assert os.environ['HOME'] == os.environ['TMPDIR'] == tempfile.gettempdir()\n"
        "    assert os.listdir(os.environ['HOME']) == [], 'HOME is fresh for every run'\n"
        "    open(os.path.join(os.environ['HOME'], 'left-behind'), 'w').close()\n\n\n"
        "def test_limits():\n"
        "    assert resource.getrlimit(resource.RLIMIT_CPU)[0] == 3\n"
        "    assert resource.getrlimit(resource.RLIMIT_AS)[0] == 2048 * 1024 * 1024\n"
        "    assert resource.getrlimit(resource.RLIMIT_FSIZE)[0] == 16 * 1024 * 1024\n"
        "    assert resource.getrlimit(resource.RLIMIT_NPROC)[0] == 256\n"
        "    assert resource.getrlimit(resource.RLIMIT_CORE)[0] == 0\n"
        "    assert os.getsid(0) == os.getpid() or os.getpgid(0) != os.getpgid(1)\n"
    )
    os.environ["SECRET_FROM_CALLER"] = "1"
    try:
        world, info = run(
            make_world,
            runner,
            "x = 1\n",
            tests,
            fail_to_pass=["tests.test_mod::test_env", "tests.test_mod::test_limits"],
            timeout_s=2.5,
        )
        world.reset()
        again = world.step("run_tests").info  # a second run must not see the first run's files
    finally:
        del os.environ["SECRET_FROM_CALLER"]
    assert info["verdict"] == "passed", info["output"]
    assert again["verdict"] == "passed", again["output"]


def test_stray_child_processes_are_killed(make_world: MakeWorld, runner: str, tmp_path) -> None:
    marker = tmp_path / "pid"
    source = (
        "import subprocess, sys\n\n\ndef value():\n"
        f"    p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"    open({str(marker)!r}, 'w').write(str(p.pid))\n"
        "    return 42\n"
    )
    _, info = run(make_world, runner, source)
    assert info["verdict"] == "passed"
    pid = int(marker.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    else:
        with open(f"/proc/{pid}/stat") as fh:
            assert fh.read().split()[2] == "Z", "the background process survived the run"


# ----------------------------------------------------------------------------- faking a pass
FIX_TESTS = "from mod import value\n\n\ndef test_value():\n    assert value() == 42\n\n\ndef test_other():\n    assert value() != 0\n"


def _buggy(make_world: MakeWorld, runner: str) -> SpecWorld:
    world = make_world(
        "def value():\n    return 41\n",
        FIX_TESTS,
        fail_to_pass=F2P,
        pass_to_pass=["tests.test_mod::test_other"],
        warm=runner == "warm",
    )
    world.evaluator.wait_for_warm = True
    return world


def test_editing_tests_with_an_editor_is_undone(make_world: MakeWorld, runner: str) -> None:
    world = _buggy(make_world, runner)
    test_file = world.workspace / "tests" / "test_mod.py"
    test_file.write_text("def test_value():\n    pass\n\n\ndef test_other():\n    pass\n")
    result = world.step("run_tests")
    assert result.info["verdict"] == "failed"
    assert result.info["restored_protected"] == ["tests/test_mod.py"]
    assert "assert value() == 42" in test_file.read_text()


def test_deleting_tests_is_undone(make_world: MakeWorld, runner: str) -> None:
    world = _buggy(make_world, runner)
    (world.workspace / "tests" / "test_mod.py").unlink()
    result = world.step("run_tests")
    assert result.info["verdict"] == "failed"
    assert result.info["tests"]["tests.test_mod::test_value"]["outcome"] == "failed"


def test_planted_conftest_and_ini_have_no_effect(make_world: MakeWorld, runner: str) -> None:
    world = _buggy(make_world, runner)
    hook = (
        "import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    report = outcome.get_result()\n    report.outcome = 'passed'\n"
    )
    (world.workspace / "conftest.py").write_text(hook)
    (world.workspace / "pytest.ini").write_text("[pytest]\naddopts = -k nothing_matches\n")
    (world.workspace / "sitecustomize.py").write_text("import sys\nsys.exit(0)\n")
    result = world.step("run_tests")
    assert result.info["verdict"] == "failed"
    assert result.info["passed"] == 1
    assert "conftest.py" in result.info["restored_protected"]
    assert not (world.workspace / "conftest.py").exists()


def test_tool_edits_of_tests_are_invalid(make_world: MakeWorld) -> None:
    world = make_world("def value():\n    return 41\n", FIX_TESTS, fail_to_pass=F2P)
    before = world.state()
    for action in (
        {"name": "write_file", "arguments": {"path": "tests/test_mod.py", "content": ""}},
        {"name": "write_file", "arguments": {"path": "conftest.py", "content": ""}},
        {"name": "replace_in_file", "arguments": {"path": "tests/test_mod.py", "old": "42", "new": "41"}},
    ):
        result = world.step(action)
        assert not result.valid
        assert "read-only" in result.info["error"]
    assert world.state()["world"] == before["world"]


def test_a_symlinked_tests_dir_is_replaced_not_written_through(make_world: MakeWorld, tmp_path) -> None:
    world = make_world("def value():\n    return 41\n", FIX_TESTS, fail_to_pass=F2P)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    import shutil

    shutil.rmtree(world.workspace / "tests")
    (world.workspace / "tests").symlink_to(outside, target_is_directory=True)
    result = world.step("run_tests")
    assert result.info["verdict"] == "failed"
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert not (world.workspace / "tests").is_symlink()
