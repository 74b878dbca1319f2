"""Tool names: SEP-986 clean, readable aliases for counter's +1/-1, a mapping that round-trips."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pworlds.serve.names import ToolNames, alias_for, is_clean_tool_name


def test_signed_numbers_get_spelled_aliases() -> None:
    assert alias_for("+1") == "plus_one"
    assert alias_for("-1") == "minus_one"
    assert alias_for("+25") == "plus_25"


def test_clean_action_names_are_kept_exactly() -> None:
    for name in ("reset", "tactic", "run-tests", "create_issue", "read.file"):
        assert alias_for(name) == name


def test_names_that_would_shadow_control_tools_are_renamed() -> None:
    assert alias_for("env_reset") != "env_reset"
    names = ToolNames(["env_reset"], reserved=["env_reset"])
    assert names.tool_of["env_reset"] != "env_reset"


def test_colliding_aliases_get_distinct_names_and_map_back() -> None:
    names = ToolNames(["a b", "a_b", "a+b", "+1"])
    assert len(set(names.tool_of.values())) == 4
    for action, tool in names.tool_of.items():
        assert names.action_of[tool] == action
    assert names.renamed() == {a: t for a, t in names.tool_of.items() if a != t}


@given(st.lists(st.text(min_size=0, max_size=150), max_size=8, unique=True))
def test_every_alias_is_a_clean_unique_tool_name(actions: list[str]) -> None:
    names = ToolNames(actions, reserved=["env_reset"])
    tools = list(names.tool_of.values())
    assert len(set(tools)) == len(actions)
    assert "env_reset" not in tools
    assert all(is_clean_tool_name(t) for t in tools)
