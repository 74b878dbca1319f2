"""Resolving TARGET and options: every mistake is one clear line (exit 2), found before serving."""

from __future__ import annotations

import subprocess
import sys

import pytest

from psignal.errors import UnknownTaskError, UnknownWorldError, UsageError
from pworlds.serve.cli import parse_settings, run_serve
from pworlds.serve.target import parse_target


def test_world_name_resolves_with_default_task_and_seed() -> None:
    target = parse_target("counter", task="reach-10", seed=3)
    assert target.world == "counter"
    actions, tasks, default_task, _ = target.probe()
    assert default_task == "reach-10"
    assert [a.name for a in actions] == ["+1", "-1", "reset"]
    assert "reach-5" in tasks


def test_unknown_world_suggests_the_close_match() -> None:
    with pytest.raises(UnknownWorldError, match="did you mean 'counter'"):
        parse_target("countr")


def test_unknown_task_is_refused_at_start_up() -> None:
    with pytest.raises(UnknownTaskError, match="reach-5"):
        parse_target("counter", task="reach-6")


def test_value_suffix_on_a_world_without_a_main_option_is_refused() -> None:
    with pytest.raises(UsageError, match="--set"):
        parse_target("counter:5")


def test_empty_world_name_is_refused() -> None:
    with pytest.raises(UsageError, match="empty world name"):
        parse_target(":x")


def test_unknown_config_key_is_refused_not_dropped() -> None:
    with pytest.raises(UsageError, match="bogus"):
        parse_target("counter", config={"bogus": 1})


def test_settings_parse_json_values_and_fall_back_to_strings() -> None:
    assert parse_settings(["goal=7", "name=abc", "flag=true"]) == {"goal": 7, "name": "abc", "flag": True}
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_settings(["novalue"])


def test_settings_reach_the_world_config() -> None:
    target = parse_target("counter", config=parse_settings(["goal=2"]))
    world = target.make()
    world.reset()
    assert world.goal == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"transport": "carrier-pigeon"}, "--transport"),
        ({"max_sessions": 0}, "--max-sessions"),
        ({"port": 70000}, "--port"),
    ],
)
def test_bad_options_are_usage_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        run_serve("counter", **kwargs)  # type: ignore[arg-type]


def test_module_entry_point_reports_an_unknown_target_in_one_line_with_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pworlds.serve", "countr"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown world 'countr'" in lines[0]
    assert proc.stdout == ""
