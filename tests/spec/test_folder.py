"""pspec through task folders and the CLI: new, edit with any editor, step, reset, replay, package, unpack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psignal.replay import replay_dir
from psignal.taskdir import TaskDir
from pworlds.cli.main import main

BUGGY = '    if n % 3 == 0:\n        return "Fizz"\n    if n % 5 == 0:\n        return "Buzz"\n    if n % 15 == 0:\n        return "FizzBuzz"\n'
FIXED = '    if n % 15 == 0:\n        return "FizzBuzz"\n    if n % 3 == 0:\n        return "Fizz"\n    if n % 5 == 0:\n        return "Buzz"\n'


def edit_fix(folder: Path) -> None:
    path = folder / "workspace" / "fizzbuzz.py"
    path.write_text(path.read_text().replace(BUGGY, FIXED))


def events(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "trace.jsonl").read_text().splitlines()]


def test_cli_new_edit_step_reset_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "fb"
    assert main(["new", "spec", str(folder), "--task", "fizzbuzz"]) == 0
    assert (folder / "workspace" / "fizzbuzz.py").is_file()
    assert (folder / ".pspec" / "template" / "fix" / "fizzbuzz.py").is_file()
    assert main(["step", str(folder), "run-tests"]) == 0
    edit_fix(folder)
    assert main(["step", str(folder), "run-tests"]) == 0
    out = capsys.readouterr().out
    assert "terminated" in out
    steps = [e for e in events(folder) if e["kind"] == "step"]
    assert [s["info"]["verdict"] for s in steps] == ["failed", "passed"]
    assert steps[1]["info"]["snapshot"].keys() == {"fizzbuzz.py"}

    assert replay_dir(folder).ok
    assert main(["reset", str(folder)]) == 0
    assert BUGGY in (folder / "workspace" / "fizzbuzz.py").read_text()
    kinds = [e["kind"] for e in events(folder)]
    assert kinds == ["start", "step", "step", "end", "reset"]
    assert replay_dir(folder).ok


def test_external_edits_survive_reopening_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fb"
    TaskDir.create(folder, "spec", task="fizzbuzz").close()
    edit_fix(folder)
    with TaskDir.open(folder) as td:
        assert FIXED in (folder / "workspace" / "fizzbuzz.py").read_text()
        result = td.step("run_tests")
    assert result.terminated and result.reward == 1.0


def test_package_and_unpack_give_a_runnable_task(tmp_path: Path) -> None:
    folder, artifact, restored = tmp_path / "fb", tmp_path / "training_artifact.json", tmp_path / "again"
    with TaskDir.create(folder, "spec", task="fizzbuzz") as td:
        td.step("run_tests")
    assert main(["package", str(folder), "-o", str(artifact)]) == 0
    data = json.loads(artifact.read_text())
    files = data["files"]
    assert "workspace/fizzbuzz.py" in files and "workspace/tests/test_fizzbuzz.py" in files
    assert ".pspec/template/fix/fizzbuzz.py" in files and ".pspec/template/task.yaml" in files
    assert any(
        e.get("info", {}).get("diff_original") is not None for e in data["trace"] if e["kind"] == "step"
    )
    assert main(["unpack", str(artifact), str(restored)]) == 0
    edit_fix(restored)
    with TaskDir.open(restored) as td:
        result = td.step("run_tests")
    assert result.terminated
    assert replay_dir(restored).ok


def test_replay_reports_a_test_whose_verdict_changed(tmp_path: Path) -> None:
    marker = tmp_path / "flaky-marker"
    marker.write_text("on")
    source = f"import os\n\n\ndef value():\n    return 42 if os.path.exists({str(marker)!r}) else 0\n"
    from .conftest import inline_template

    files = inline_template(
        source,
        "from mod import value\n\n\ndef test_value():\n    assert value() == 42\n\n\ndef test_stable():\n    assert True\n",
        fail_to_pass=["tests.test_mod::test_value"],
        pass_to_pass=["tests.test_mod::test_stable"],
    )
    folder = tmp_path / "flaky"
    with TaskDir.create(folder, "spec", config={"template_files": files}) as td:
        assert td.step("run_tests").info["verdict"] == "passed"
    marker.unlink()
    report = replay_dir(folder)
    assert not report.ok
    assert report.divergence is not None and report.divergence.field in ("reward", "terminated", "state_hash")
    assert report.details and report.details[0]["flaky_tests"] == {
        "tests.test_mod::test_value": {"recorded": "passed", "replayed": "failed"}
    }
    assert main(["spec", "flaky", str(folder), "--json"]) == 1


def test_custom_template_path_is_inlined_into_the_folder(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    for rel, text in {
        "task.yaml": "name: answer\ndescription: return 42\nfail_to_pass: [tests.test_mod::test_value]\n",
        "workspace/mod.py": "def value():\n    return 41\n",
        "workspace/tests/test_mod.py": "from mod import value\n\n\ndef test_value():\n    assert value() == 42\n",
        "fix/mod.py": "def value():\n    return 42\n",
    }.items():
        (template / rel).parent.mkdir(parents=True, exist_ok=True)
        (template / rel).write_text(text)
    folder = tmp_path / "task"
    assert main(["new", "spec", str(folder), "--set", f"template={template}"]) == 0
    import shutil

    shutil.rmtree(template)
    meta = (folder / "psignal.yaml").read_text()
    assert "template_files" in meta and "task: answer" in meta
    with TaskDir.open(folder) as td:
        for action in td.world.reference_solution() or []:
            result = td.step(action)
    assert result.terminated
    assert replay_dir(folder).ok


def test_step_on_a_missing_template_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["new", "spec", str(tmp_path / "t"), "--set", f"template={tmp_path / 'nowhere'}"])
    assert code == 2
    assert "task.yaml" in capsys.readouterr().err
