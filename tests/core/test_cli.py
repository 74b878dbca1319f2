"""The CLI as a user types it: one-line errors with exit code 2, -1 as an action, --json output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from psignal.errors import UsageError
from pworlds.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_full_counter_session(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    d = str(tmp_path / "t")
    assert run(capsys, "new", "counter", d, "--seed", "3")[0] == 0
    for action in ["+1", "-1", "-1", "+1"]:
        assert run(capsys, "step", d, action)[0] == 0
    code, out, _ = run(capsys, "show", d, "--json")
    shown = json.loads(out)
    assert (code, shown["steps"], shown["seed"], shown["observation"]["value"]) == (0, 4, 3, 1)
    code, out, _ = run(capsys, "trace", d, "--json")
    assert [e["kind"] for e in json.loads(out)] == ["start", "step", "step", "step", "step"]
    code, out, _ = run(capsys, "replay", d)
    assert code == 0 and out.strip() == "OK (4 steps)"
    assert run(capsys, "reset", d)[0] == 0
    code, out, _ = run(capsys, "export", d, "--format", "rl", "-o", str(tmp_path / "rl.jsonl"))
    assert code == 0 and "1 episodes" in out
    code, out, _ = run(capsys, "package", d, "-o", str(tmp_path / "a.json"))
    assert code == 0
    assert run(capsys, "unpack", str(tmp_path / "a.json"), str(tmp_path / "u"))[0] == 0


def test_step_json_reports_the_result(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    d = str(tmp_path / "t")
    run(capsys, "new", "counter", d)
    code, out, _ = run(capsys, "step", d, "+1", "--json")
    result = json.loads(out)
    assert code == 0 and result["reward"] == -0.01 and result["valid"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "countr", "{d}"], "did you mean 'counter'"),
        (["new", "counter", "{d}", "--task", "reach-50"], "did you mean 'reach-5'"),
        (["new", "counter", "{d}", "--set", "goall=3"], "goall"),
        (["new", "counter", "{d}", "--set", "novalue"], "--set expects KEY=VALUE"),
        (["export", "{d}", "--format", "csv", "-o", "{d}.out"], "unknown export format"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    d = str(tmp_path / "t")
    code, _, err = run(capsys, *[a.format(d=d) for a in argv])
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "t").exists()


def test_unknown_action_lists_valid_choices(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    d = str(tmp_path / "t")
    run(capsys, "new", "counter", d)
    code, _, err = run(capsys, "step", d, "jump")
    assert code == 2 and "valid: +1, -1, reset" in err


def test_step_after_the_end_says_what_to_do(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    d = str(tmp_path / "t")
    run(capsys, "new", "counter", d, "--set", "goal=1")
    run(capsys, "step", d, "+1")
    code, _, err = run(capsys, "step", d, "+1")
    assert code == 2 and "reset" in err


def test_minus_one_is_an_action_when_typed_in_a_shell(pworlds_exe: str, tmp_path: Path) -> None:
    d = str(tmp_path / "t")
    subprocess.run([pworlds_exe, "new", "counter", d], check=True, capture_output=True)
    subprocess.run([pworlds_exe, "step", d, "+1"], check=True, capture_output=True)
    done = subprocess.run([pworlds_exe, "step", d, "-1", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["action"]["name"] == "-1"


def test_worlds_lists_counter_and_its_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "worlds", "--json")
    catalog = {e["world"]: e for e in json.loads(out)}
    assert code == 0 and "reach-5" in catalog["counter"]["tasks"]


def test_check_counter_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "counter", "--episodes", "3")
    assert code == 0 and "OK" in out


def test_missing_folder_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "show", str(tmp_path / "nope"))
    assert code != 0 and "no such task folder" in err and "Traceback" not in err


def test_help_explains_every_command(pworlds_exe: str) -> None:
    out = subprocess.run([pworlds_exe, "--help"], capture_output=True, text=True, check=True).stdout
    for command in [
        "worlds",
        "new",
        "show",
        "step",
        "reset",
        "trace",
        "replay",
        "export",
        "package",
        "demo",
        "check",
    ]:
        assert command in out


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from pworlds.cli.main import main; "
        "assert main(['--help']) == 0; "
        "heavy = [m for m in ('pyarrow', 'datasets', 'ray', 'mcp', 'openai', 'gymnasium') if m in sys.modules]; "
        "print(heavy)"
    )
    done = subprocess.run(
        [__import__("sys").executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_replay_of_a_tampered_trace_exits_1_with_both_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    d = tmp_path / "t"
    run(capsys, "new", "counter", str(d))
    run(capsys, "step", str(d), "+1")
    lines = (d / "trace.jsonl").read_text().splitlines()
    step = json.loads(lines[1])
    step["reward"] = 0.5
    lines[1] = json.dumps(step)
    (d / "trace.jsonl").write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, "replay", str(d))
    assert code == 1
    assert "reward expected 0.5, got -0.01" in out


def test_check_of_a_nondeterministic_world_exits_1(pworlds_exe: str) -> None:
    done = subprocess.run([pworlds_exe, "check", "nope-world"], capture_output=True, text=True)
    assert done.returncode == 2 and "unknown world" in done.stderr


def test_tool_arguments_keep_text_for_string_parameters() -> None:
    from psignal.registry import make_world
    from pworlds.cli.render import build_action

    world = make_world("toolworld", {"env": "shop_orders"})
    world.reset()
    action = build_action(world, ["search_products"], ["query=42", "limit=3"], None)
    assert action["arguments"] == {"query": "42", "limit": 3}
    with pytest.raises(UsageError, match="--arg expects KEY=VALUE"):
        build_action(world, ["search_products"], ["=3"], None)
    world.close()
