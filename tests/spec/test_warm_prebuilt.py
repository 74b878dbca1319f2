"""The warm worker's shortcuts (config built before the fork, plugin fixtures indexed once, assert rewrites
cached by content) give exactly what a cold run gives."""

from __future__ import annotations

import json
from pathlib import Path

from pworlds.worlds.spec import warm_server
from pworlds.worlds.spec.runner import pytest_args

from .conftest import MakeWorld

SOURCE = "def value():\n    return 41\n"


def _fixture_probe(marker: Path) -> str:
    """Tests that use the built-in fixtures, fail with a rewritten assert, and record what pytest offers."""
    return (
        "import json, logging, warnings\n"
        "from mod import value\n\n\n"
        "def test_builtins(tmp_path, tmpdir, monkeypatch, capsys, caplog, recwarn, pytestconfig, request):\n"
        "    monkeypatch.setenv('PSPEC_PROBE', '1')\n"
        "    print('hello')\n"
        "    assert capsys.readouterr().out == 'hello\\n'\n"
        "    logging.getLogger('x').warning('logged')\n"
        "    assert 'logged' in caplog.text\n"
        "    warnings.warn('careful')\n"
        "    assert len(recwarn) == 1\n"
        "    assert tmp_path.is_dir() and tmpdir.check(dir=1)\n"
        "    manager = request._fixturemanager\n"
        "    names = sorted(manager._arg2node2fixturedefs)\n"
        "    autouse = sorted(n for v in manager._node_autousenames.values() for n in v)\n"
        "    plugins = sorted(type(p).__name__ for p in pytestconfig.pluginmanager.get_plugins())\n"
        f"    with open({str(marker)!r}, 'w') as fh:\n"
        "        json.dump({'fixtures': names, 'autouse': autouse, 'plugins': plugins,\n"
        "                   'args': list(pytestconfig.invocation_params.args)}, fh)\n\n\n"
        "def test_value():\n"
        "    assert value() == 42\n"
    )


def _relative_args(args: list[str]) -> list[str]:
    return [a.split("/")[-1] for a in args]


def test_warm_runs_see_the_same_pytest_as_cold_runs(make_world: MakeWorld, tmp_path: Path) -> None:
    seen = {}
    for runner in ("cold", "warm", "warm"):  # the second warm run takes the cached assert rewrite
        marker = tmp_path / f"{runner}-{len(seen)}.json"
        world = make_world(
            SOURCE,
            _fixture_probe(marker),
            fail_to_pass=["tests.test_mod::test_value"],
            pass_to_pass=["tests.test_mod::test_builtins"],
            warm=runner == "warm",
        )
        world.evaluator.wait_for_warm = True
        info = world.step("run_tests").info
        assert info["runner"] == runner
        assert info["tests"]["tests.test_mod::test_builtins"] == {"outcome": "passed"}, info["output"]
        # The rewritten assert explains itself the same way on every runner.
        assert info["tests"]["tests.test_mod::test_value"]["message"] == "assert 41 == 42"
        assert "where 41 = value()" in info["output"]
        probe = json.loads(marker.read_text())
        probe["args"] = _relative_args(probe["args"])
        seen[f"{runner}-{len(seen)}"] = probe
    cold, *warm = seen.values()
    assert "tmp_path" in cold["fixtures"] and "monkeypatch" in cold["fixtures"]
    for probe in warm:
        assert probe == cold


def test_assert_rewrites_are_cached_by_content_not_by_path(make_world: MakeWorld) -> None:
    """Same file name, different content, in one worker: each run uses its own tests."""
    variants = {
        "def test_value():\n    assert value() == 41\n": "passed",
        "def test_value():\n    assert value() == 42\n": "failed",
    }
    for _ in range(2):
        for body, verdict in variants.items():
            world = make_world(
                SOURCE, "from mod import value\n\n\n" + body, fail_to_pass=["tests.test_mod::test_value"]
            )
            world.evaluator.wait_for_warm = True
            info = world.step("run_tests").info
            assert info["runner"] == "warm"
            assert info["verdict"] == verdict, info["output"]


def test_a_rewrite_warning_is_emitted_on_every_run(make_world: MakeWorld) -> None:
    """Files whose rewrite warns are never cached, so the warning is not lost on later runs."""
    tests = "from mod import value\n\n\ndef test_value():\n    assert (value() == 42, 'always true')\n"
    for runner in ("cold", "warm", "warm"):
        world = make_world(SOURCE, tests, fail_to_pass=["tests.test_mod::test_value"], warm=runner == "warm")
        world.evaluator.wait_for_warm = True
        info = world.step("run_tests").info
        assert info["runner"] == runner
        assert "assertion is always true" in info["output"]


def test_a_broken_test_file_is_still_a_collection_error_after_a_good_one(make_world: MakeWorld) -> None:
    good = "from mod import value\n\n\ndef test_value():\n    assert value() == 41\n"
    bad = "from mod import value\n\n\ndef test_value(:\n    assert value() == 41\n"
    for tests, verdict in ((good, "passed"), (bad, "collection_error"), (good, "passed")):
        world = make_world(SOURCE, tests, fail_to_pass=["tests.test_mod::test_value"])
        world.evaluator.wait_for_warm = True
        info = world.step("run_tests").info
        assert (info["runner"], info["verdict"]) == ("warm", verdict), info["output"]


def test_pspec_arguments_take_the_prebuilt_path(tmp_path: Path) -> None:
    args = pytest_args(tmp_path, tmp_path / "x.ini", tmp_path / "r.xml")
    assert warm_server._plugin_args(args) == warm_server.PLUGIN_ARGS
    assert warm_server._plugin_args(["-pno:cacheprovider", "tests"]) is None
    assert warm_server._plugin_args(["-p", "no:cacheprovider", "tests"]) != warm_server.PLUGIN_ARGS
