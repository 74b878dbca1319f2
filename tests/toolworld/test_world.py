"""ToolWorld behaviour: actions, rewards, finish and verdicts, budgets, state/restore, task folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psignal.errors import ActionParseError, StateError
from psignal.replay import replay_dir
from psignal.taskdir import TaskDir
from pworlds.worlds.toolworld import REWARDS, ToolWorld
from pworlds.worlds.toolworld.loader import EnvError

from .conftest import MINI_SHOP


def test_actions_are_the_tools_plus_finish_with_schemas_from_type_hints(world: ToolWorld) -> None:
    specs = {s.name: s for s in world.actions()}
    assert list(specs)[-1] == "finish"
    params = specs["list_orders"].parameters
    assert params["required"] == ["customer_id"]
    assert params["properties"]["customer_id"]["type"] == "integer"
    assert params["properties"]["customer_id"]["description"] == "the customer's id"
    assert {"enum": ["pending", "shipped", "cancelled"], "type": "string"} in params["properties"]["status"][
        "anyOf"
    ]
    assert specs["cancel_order"].description == "Cancel a pending order and return its items to stock."


def test_bad_arguments_are_invalid_steps(world: ToolWorld) -> None:
    world.reset(task="cancel_pending_order")
    for args in (
        {"order_id": "abc", "reason": "x"},
        {"order_id": 102},
        {"order_id": 102, "reason": "x", "z": 1},
    ):
        result = world.step({"name": "cancel_order", "arguments": args})
        assert not result.valid and result.reward == REWARDS["invalid"]
    assert not world.step({"name": "drop_everything", "arguments": {}}).valid


def test_valid_call_observation_and_reward(world: ToolWorld) -> None:
    world.reset(task="mug_stock")
    result = world.step({"name": "list_orders", "arguments": {"customer_id": 1}})
    assert result.valid and result.reward == REWARDS["step"] and not result.done
    assert json.loads(result.observation["text"]) == result.observation["result"]
    assert [o["id"] for o in result.observation["result"]] == [102, 101]
    assert result.info["tool"] == "list_orders" and result.info["db_diff"] == {}


@pytest.mark.parametrize("task", ["cancel_pending_order", "mug_stock", "add_kettle"])
def test_reference_passes_negative_and_nothing_fail(world: ToolWorld, task: str) -> None:
    for actions, expected in (
        (lambda: world.reference_solution(), 1.0),
        (lambda: world.negative_solution(), 0.0),
        (lambda: [{"name": "finish", "arguments": {"answer": None}}], 0.0),
    ):
        world.reset(task=task)
        for action in actions():
            result = world.step(action)
        assert result.terminated and not result.truncated
        assert result.reward == expected
        assert result.info["verdict"]["status"] == ("pass" if expected else "fail")


def test_step_budget_truncates() -> None:
    world = ToolWorld({"env": str(MINI_SHOP), "max_steps": 2})
    world.reset(task="mug_stock")
    world.step({"name": "stock_of", "arguments": {"product_name": "Mug"}})
    result = world.step({"name": "stock_of", "arguments": {"product_name": "Mug"}})
    assert result.truncated and not result.terminated


def _env_with_verify(env_copy, body: str) -> Path:
    verify = (MINI_SHOP / "verify.py").read_text()
    verify = verify.replace("def verify_mug_stock(", "def _old_mug_stock(") + "\n\n" + body
    return env_copy(**{"verify.py": verify})


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("def verify_mug_stock(initial, final, answer):\n    return 1 / 0\n", "ZeroDivisionError"),
        ("def verify_mug_stock(initial, final, answer):\n    return {'status': 'maybe'}\n", "status"),
        ("def verify_mug_stock(initial, final, answer):\n    return 'pass'\n", "expected a dict"),
        ("def verify_mug_stock(initial, final, answer):\n    while True:\n        pass\n", "timed out"),
    ],
)
def test_broken_verifier_gives_verifier_error_never_pass(env_copy, body: str, needle: str) -> None:
    world = ToolWorld({"env": str(_env_with_verify(env_copy, body)), "verifier_timeout_s": 0.2})
    world.reset(task="mug_stock")
    result = world.step({"name": "finish", "arguments": {"answer": "3"}})
    verdict = result.info["verdict"]
    assert verdict["status"] == "verifier_error" and needle in verdict["message"]
    assert result.reward == 0.0 and result.terminated
    world.close()


def test_state_restore_round_trip_rebuilds_the_db(world: ToolWorld) -> None:
    world.reset(task="cancel_pending_order")
    world.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "r"}})
    state = world.state()
    fresh = ToolWorld({"env": str(MINI_SHOP)})
    fresh.restore(state)
    assert fresh.state() == state
    assert fresh.episode.conn.execute("SELECT status FROM orders WHERE id=102").fetchone()[0] == "cancelled"
    tampered = json.loads(json.dumps(state))
    tampered["world"]["db_hash"] = "0" * 64
    with pytest.raises(StateError):
        fresh.restore(tampered)
    fresh.close()


def test_same_actions_same_states(world: ToolWorld) -> None:
    other = ToolWorld({"env": str(MINI_SHOP)})
    for w in (world, other):
        w.reset(task="add_kettle")
        for a in w.reference_solution():
            w.step(a)
    assert world.state() == other.state()
    other.close()


def test_parse_action_forms(world: ToolWorld) -> None:
    world.reset(task="mug_stock")
    assert world.parse_action("cancel_order order_id=102 reason='changed mind'") == {
        "name": "cancel_order",
        "arguments": {"order_id": 102, "reason": "changed mind"},
    }
    assert world.parse_action("finish there are 3 mugs") == {
        "name": "finish",
        "arguments": {"answer": "there are 3 mugs"},
    }
    assert world.parse_action('{"name": "finish", "arguments": {}}')["name"] == "finish"
    with pytest.raises(ActionParseError):
        world.parse_action("cancel_order 102")
    with pytest.raises(ActionParseError):
        world.parse_action("explode")


def test_unknown_env_is_a_usage_error() -> None:
    with pytest.raises(EnvError, match="no toolworld env"):
        ToolWorld({"env": "no_such_env_anywhere"})


def test_task_folder_keeps_db_and_replays(tmp_path: Path) -> None:
    folder = tmp_path / "task"
    with TaskDir.create(
        folder, "toolworld", task="cancel_pending_order", config={"env": str(MINI_SHOP)}
    ) as td:
        td.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "changed mind"}})
        td.step({"name": "cancel_order", "arguments": {"order_id": 101, "reason": "nope"}})
    assert (folder / "db.sqlite").is_file()
    import sqlite3

    conn = sqlite3.connect(folder / "db.sqlite")
    assert conn.execute("SELECT status FROM orders WHERE id = 102").fetchone()[0] == "cancelled"
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0] == 0
    conn.execute("UPDATE customers SET name = 'edited by hand' WHERE id = 2")  # plain data, editable
    conn.rollback()
    conn.close()
    with TaskDir.open(folder) as td:
        assert td.world.verify().status == "pass"
        result = td.step({"name": "finish", "arguments": {}})
        assert result.terminated and result.reward == 1.0
    report = replay_dir(folder)
    assert report.ok, report


def test_restore_from_attached_db_file(tmp_path: Path) -> None:
    folder = tmp_path / "task"
    with TaskDir.create(
        folder, "toolworld", task="cancel_pending_order", config={"env": str(MINI_SHOP)}
    ) as td:
        td.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "r"}})
        expected = td.world.state()
    world = ToolWorld({"env": str(MINI_SHOP)})
    world.attach(folder)
    world.restore(expected)
    assert world.state() == expected
    world.close()


def test_state_keeps_calls_as_canonical_json_text_and_restores_either_form(world: ToolWorld) -> None:
    world.reset(task="cancel_pending_order")
    world.step({"name": "stock_of", "arguments": {"product_name": "Mug"}})
    world.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "r"}})
    state = world.state()
    calls = state["world"]["calls"]
    assert isinstance(calls, str)  # one string: state_hash per step does not re-encode a growing list
    assert json.loads(calls) == world.calls and [c["name"] for c in world.calls] == [
        "stock_of",
        "cancel_order",
    ]
    as_list = json.loads(json.dumps(state))
    as_list["world"]["calls"] = json.loads(calls)  # the older form: a list of calls
    for form in (state, as_list):
        fresh = ToolWorld({"env": str(MINI_SHOP)})
        fresh.restore(form)
        assert fresh.state() == state
        fresh.close()


def test_state_call_log_starts_empty_again_after_reset(world: ToolWorld) -> None:
    world.reset(task="mug_stock")
    world.step({"name": "stock_of", "arguments": {"product_name": "Mug"}})
    assert len(json.loads(world.state()["world"]["calls"])) == 1
    world.reset(task="mug_stock")
    assert world.state()["world"]["calls"] == "[]"
    world.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "r"}})
    assert [c["name"] for c in json.loads(world.state()["world"]["calls"])] == ["cancel_order"]


@pytest.mark.parametrize("calls", ["not json", '{"name": "x"}', "[1, 2]", 7])
def test_restore_rejects_malformed_calls(world: ToolWorld, calls: object) -> None:
    world.reset(task="mug_stock")
    state = world.state()
    state["world"]["calls"] = calls
    with pytest.raises(StateError, match="malformed state"):
        world.restore(state)


def test_step_info_has_the_diff_and_hash_and_the_result_once(world: ToolWorld) -> None:
    world.reset(task="cancel_pending_order")
    result = world.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "r"}})
    assert set(result.info) == {"tool", "db_diff", "db_hash"}
    assert result.observation["result"] is not None
    assert result.info["db_hash"] == world.state()["world"]["db_hash"]


HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(['"calls":""', '","calls":"', '\\"calls\\":\\"\\"', "é\u2028\x00", '"}]', "[]"]),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.builds(lambda n: {"name": "find_customer", "arguments": {"name": n}}, HOSTILE_TEXT),
            st.builds(lambda n: {"name": "stock_of", "arguments": {"product_name": n}}, HOSTILE_TEXT),
            st.builds(
                lambda o, r: {"name": "cancel_order", "arguments": {"order_id": o, "reason": r}},
                st.sampled_from([101, 102, 999]),
                HOSTILE_TEXT,
            ),
        ),
        max_size=6,
    ),
    st.one_of(st.none(), HOSTILE_TEXT),
)
def test_fast_state_hash_is_the_hash_of_state_for_any_calls_and_answer(
    calls: list, answer: str | None
) -> None:
    """ToolWorld.state_hash splices the escaped call log into the state's JSON; hostile text in the
    arguments, the answer or the verdict must never make it differ from the definition."""
    from psignal.hashing import state_hash

    world = ToolWorld({"env": str(MINI_SHOP)})
    try:
        world.reset(task="cancel_pending_order")
        assert world.state_hash() == state_hash(world.state())
        for call in [*calls, {"name": "finish", "arguments": {"answer": answer}}]:
            world.step(call)
            assert world.state_hash() == state_hash(world.state())
        restored = ToolWorld({"env": str(MINI_SHOP)})
        restored.restore(world.state())
        assert restored.state_hash() == world.state_hash()
        restored.close()
    finally:
        world.close()


def test_result_text_is_compact_json_even_for_values_orjson_refuses() -> None:
    from pworlds.worlds.toolworld.world import result_text

    assert result_text({"id": 1, "name": "Mug é"}) == '{"id":1,"name":"Mug é"}'
    assert json.loads(result_text([2**70, {"n": -(2**80)}])) == [2**70, {"n": -(2**80)}]
