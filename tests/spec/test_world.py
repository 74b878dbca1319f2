"""SpecWorld as an agent sees it: actions, rewards, recorded info, state, determinism."""

from __future__ import annotations

import pytest

from psignal.errors import ActionParseError, EpisodeStateError
from psignal.world import state_hash
from pworlds.worlds.spec import REWARDS, SpecWorld
from pworlds.worlds.spec.runner import OUTPUT_CAP_BYTES

from .conftest import MakeWorld

FIXED = '    if n % 15 == 0:\n        return "FizzBuzz"\n    if n % 3 == 0:'


def fix_fizzbuzz(world: SpecWorld) -> None:
    text = (world.workspace / "fizzbuzz.py").read_text()
    text = text.replace('    if n % 15 == 0:\n        return "FizzBuzz"\n', "").replace(
        "    if n % 3 == 0:", FIXED
    )
    (world.workspace / "fizzbuzz.py").write_text(text)


def test_tasks_start_with_fizzbuzz_and_number_at_least_twenty_one() -> None:
    tasks = SpecWorld().tasks()
    assert next(iter(tasks)) == "fizzbuzz"
    assert len(tasks) >= 21
    kinds = {info.tags[0] for info in tasks.values()}
    assert {"off-by-one", "wrong operator", "mutable default argument", "wrong sort key"} <= kinds


def test_actions_are_the_agent_tools() -> None:
    names = [spec.name for spec in SpecWorld().actions()]
    assert names == ["run_tests", "list_files", "read_file", "write_file", "replace_in_file"]
    tool = SpecWorld().actions()[3].to_tool()
    assert tool["function"]["parameters"]["required"] == ["path", "content"]


def test_parse_action_accepts_cli_spellings(fizzbuzz: SpecWorld) -> None:
    assert fizzbuzz.parse_action("run-tests") == {"name": "run_tests", "arguments": {}}
    assert fizzbuzz.parse_action("run_tests") == {"name": "run_tests", "arguments": {}}
    assert fizzbuzz.parse_action("read-file fizzbuzz.py") == {
        "name": "read_file",
        "arguments": {"path": "fizzbuzz.py"},
    }
    with pytest.raises(ActionParseError):
        fizzbuzz.parse_action("make it pass")
    with pytest.raises(ActionParseError, match="--arg path="):
        fizzbuzz.parse_action("write_file x.py")


def test_observation_lists_files_and_instruction(fizzbuzz: SpecWorld) -> None:
    obs = fizzbuzz.observe()
    assert obs["files"] == ["fizzbuzz.py", "tests/test_fizzbuzz.py"]
    assert "FizzBuzz" in obs["text"]
    assert "run_tests" in fizzbuzz.instruction()


def test_run_tests_records_everything_the_issue_asks_for(fizzbuzz: SpecWorld) -> None:
    first = fizzbuzz.step("run_tests")
    assert first.valid and not first.terminated
    assert first.info["verdict"] == "failed"
    assert first.info["passed"] == 3 and first.info["total"] == 5
    assert (
        first.info["tests"]["tests.test_fizzbuzz::test_fizzbuzz_on_multiples_of_fifteen"]["outcome"]
        == "failed"
    )
    assert (
        "'Fizz' == 'FizzBuzz'"
        in first.info["tests"]["tests.test_fizzbuzz::test_fizzbuzz_on_multiples_of_fifteen"]["message"]
    )
    assert (
        first.info["snapshot"] == {} and first.info["diff_prev"] == "" and first.info["diff_original"] == ""
    )
    assert len(first.info["source_sha256"]) == 64
    assert first.info["output_cap_bytes"] == OUTPUT_CAP_BYTES
    assert first.info["duration_s"] > 0
    assert first.reward == pytest.approx(REWARDS["evaluation"])

    fix_fizzbuzz(fizzbuzz)
    second = fizzbuzz.step("run_tests")
    assert second.terminated and second.reward == REWARDS["solved"]
    assert list(second.info["snapshot"]) == ["fizzbuzz.py"]
    assert "+    if n % 15 == 0:" in second.info["diff_prev"]
    assert second.info["diff_prev"] == second.info["diff_original"]
    assert second.info["source_sha256"] != first.info["source_sha256"]
    assert "FAILURES" in first.info["output"] and "<time>" not in first.info["output"]
    with pytest.raises(EpisodeStateError):
        fizzbuzz.step("run_tests")


def test_unchanged_source_costs_more_than_a_new_attempt(fizzbuzz: SpecWorld) -> None:
    fizzbuzz.step("run_tests")
    again = fizzbuzz.step("run_tests")
    assert again.info["unchanged"] is True
    assert again.reward == pytest.approx(REWARDS["unchanged"])


def test_progress_is_rewarded_by_the_change_in_passing_fraction(make_world: MakeWorld) -> None:
    tests = "from mod import a, b\n\n\ndef test_a():\n    assert a() == 1\n\n\ndef test_b():\n    assert b() == 2\n"
    world = make_world(
        "def a():\n    return 0\n\n\ndef b():\n    return 0\n",
        tests,
        fail_to_pass=["tests.test_mod::test_a", "tests.test_mod::test_b"],
    )
    world.step(
        {
            "name": "replace_in_file",
            "arguments": {"path": "mod.py", "old": "return 0\n\n\ndef b", "new": "return 1\n\n\ndef b"},
        }
    )
    half = world.step("run_tests")
    assert half.reward == pytest.approx(REWARDS["evaluation"] + REWARDS["progress_scale"] * 0.5)


def test_file_tools_read_write_and_replace(fizzbuzz: SpecWorld) -> None:
    listing = fizzbuzz.step("list_files")
    assert "fizzbuzz.py" in listing.observation["text"] and listing.reward == 0
    read = fizzbuzz.step({"name": "read_file", "arguments": {"path": "tests/test_fizzbuzz.py"}})
    assert "def test_fizz" in read.observation["text"]
    edit = fizzbuzz.step(
        {
            "name": "replace_in_file",
            "arguments": {"path": "fizzbuzz.py", "old": "return str(n)", "new": "return f'{n}'"},
        }
    )
    assert edit.valid and edit.info["kind"] == "edit"
    assert "+    return f'{n}'" in edit.info["diff"]
    new = fizzbuzz.step({"name": "write_file", "arguments": {"path": "pkg/extra.py", "content": "X = 1\n"}})
    assert new.valid and (fizzbuzz.workspace / "pkg" / "extra.py").read_text() == "X = 1\n"
    assert "pkg/extra.py" in fizzbuzz.state()["world"]["source"]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"name": "read_file", "arguments": {"path": "../psignal.yaml"}}, "inside"),
        ({"name": "read_file", "arguments": {"path": "/etc/passwd"}}, "relative"),
        ({"name": "read_file", "arguments": {"path": "missing.py"}}, "no such file"),
        (
            {
                "name": "write_file",
                "arguments": {"path": "../.pspec/template/fix/fizzbuzz.py", "content": ""},
            },
            "inside",
        ),
        (
            {
                "name": "replace_in_file",
                "arguments": {"path": "fizzbuzz.py", "old": "return", "new": "yield"},
            },
            "exactly once",
        ),
        (
            {"name": "replace_in_file", "arguments": {"path": "nope.py", "old": "a", "new": "b"}},
            "no such file",
        ),
        ({"name": "write_file", "arguments": {"path": "x.py"}}, "content"),
        ({"name": "deploy", "arguments": {}}, "unknown action"),
    ],
)
def test_bad_tool_calls_are_invalid_steps(fizzbuzz: SpecWorld, action: dict, message: str) -> None:
    before = fizzbuzz.state()["world"]
    result = fizzbuzz.step(action)
    assert not result.valid
    assert result.reward == REWARDS["invalid"]
    assert message in result.info["error"]
    assert fizzbuzz.state()["world"] == before


def test_symlink_out_of_the_workspace_is_refused(fizzbuzz: SpecWorld) -> None:
    (fizzbuzz.workspace / "leak.py").symlink_to(fizzbuzz.template / "fix" / "fizzbuzz.py")
    result = fizzbuzz.step({"name": "read_file", "arguments": {"path": "leak.py"}})
    assert not result.valid and "leaves the workspace" in result.info["error"]


def test_state_restore_round_trip_in_memory(fizzbuzz: SpecWorld) -> None:
    fizzbuzz.step(
        {
            "name": "write_file",
            "arguments": {"path": "fizzbuzz.py", "content": "def fizzbuzz(n):\n    return ''\n"},
        }
    )
    fizzbuzz.step("run_tests")
    state = fizzbuzz.state()
    other = SpecWorld()
    try:
        other.restore(state)
        assert state_hash(other.state()) == state_hash(state)
        assert (other.workspace / "fizzbuzz.py").read_text() == "def fizzbuzz(n):\n    return ''\n"
    finally:
        other.close()


def test_same_actions_give_the_same_states_and_rewards() -> None:
    runs = []
    for _ in range(2):
        world = SpecWorld()
        world.reset(task="temperature")
        trace = []
        for action in [
            "run_tests",
            {
                "name": "replace_in_file",
                "arguments": {"path": "temperature.py", "old": "- 32\n", "new": "+ 32\n"},
            },
            "run_tests",
        ]:
            result = world.step(action)
            trace.append((result.reward, result.observation["text"], state_hash(world.state())))
        world.close()
        runs.append(trace)
    assert runs[0] == runs[1]
    assert runs[0][-1][0] == REWARDS["solved"]


def test_malformed_state_is_a_state_error(fizzbuzz: SpecWorld) -> None:
    from psignal.errors import StateError

    state = fizzbuzz.state()
    state["world"] = {"source": "not a dict"}
    with pytest.raises(StateError, match="malformed"):
        SpecWorld().restore(state)


@pytest.mark.parametrize("task", list(SpecWorld().tasks()))
def test_reference_fix_solves_every_builtin_task(task: str) -> None:
    world = SpecWorld()
    try:
        world.reset(task=task)
        world.evaluator.wait_for_warm = True
        spec = world.spec
        assert spec is not None and spec.fail_to_pass
        buggy = world.step("run_tests")
        failing = {t for t, r in buggy.info["tests"].items() if r["outcome"] != "passed"}
        assert failing == set(spec.fail_to_pass), "fail_to_pass must fail on the buggy source"
        result = None
        for action in world.reference_solution() or []:
            result = world.step(action)
        assert result is not None and result.terminated and result.info["verdict"] == "passed"
    finally:
        world.close()
