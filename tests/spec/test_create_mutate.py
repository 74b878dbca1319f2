"""`pworlds spec create` and `pworlds spec mutate`: tasks from user code and synthesised bugs."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from psignal.errors import UsageError
from psignal.replay import replay_dir
from psignal.taskdir import TaskDir
from pworlds.cli.main import main
from pworlds.worlds.spec.create import DEMO_SOURCE, DEMO_TESTS, create_task, mutate_module
from pworlds.worlds.spec.mutate import find_mutations, mutants

TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def user_code(tmp_path: Path) -> tuple[Path, Path, Path]:
    source = write(tmp_path / "src" / "calc.py", "def add(a, b):\n    return a - b\n")
    tests = write(tmp_path / "tests" / "test_calc.py", TESTS)
    fix = write(tmp_path / "fix" / "calc.py", "def add(a, b):\n    return a + b\n")
    return source, tests, fix


def test_create_makes_a_runnable_task_with_failing_and_passing_tests(tmp_path: Path, user_code) -> None:
    source, tests, fix = user_code
    folder = tmp_path / "task"
    report = create_task(source, tests.parent, folder, fix=fix)
    assert report.fail_to_pass == ["tests.test_calc::test_add"]
    assert report.pass_to_pass == ["tests.test_calc::test_zero"]
    with TaskDir.open(folder) as td:
        assert td.world.task == "calc"
        for action in td.world.reference_solution() or []:
            result = td.step(action)
    assert result.terminated
    assert replay_dir(folder).ok


def test_create_via_cli_without_a_fix(tmp_path: Path, user_code, capsys: pytest.CaptureFixture[str]) -> None:
    source, tests, _ = user_code
    code = main(
        ["spec", "create", "--source", str(source), "--tests", str(tests), str(tmp_path / "t"), "--json"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fail_to_pass"] == ["tests.test_calc::test_add"] and out["reference_fix"] is False


def test_create_refuses_tests_that_already_pass(
    tmp_path: Path, user_code, capsys: pytest.CaptureFixture[str]
) -> None:
    _, tests, fix = user_code
    code = main(["spec", "create", "--source", str(fix), "--tests", str(tests), str(tmp_path / "t")])
    assert code == 2
    err = capsys.readouterr().err
    assert "already pass" in err and "spec mutate" in err
    assert not (tmp_path / "t").exists()


def test_create_says_when_tests_cannot_import(tmp_path: Path, user_code) -> None:
    source, _, _ = user_code
    tests = write(
        tmp_path / "bad" / "test_calc.py", "from calc import multiply\n\n\ndef test_x():\n    pass\n"
    )
    with pytest.raises(UsageError, match=r"cannot run \(collection_error\).*multiply"):
        create_task(source, tests, tmp_path / "t")


def test_create_rejects_a_fix_that_does_not_fix(tmp_path: Path, user_code) -> None:
    source, tests, _ = user_code
    wrong = write(tmp_path / "wrong" / "calc.py", "def add(a, b):\n    return a * b\n")
    with pytest.raises(UsageError, match="still fail with the fix"):
        create_task(source, tests, tmp_path / "t", fix=wrong)


@pytest.mark.parametrize(
    ("source", "tests", "message"),
    [
        ("missing.py", "tests", "--source"),
        ("src/calc.py", "missing", "--tests"),
        ("notes.txt", "tests", ".py"),
    ],
)
def test_create_bad_paths(tmp_path: Path, user_code, source: str, tests: str, message: str) -> None:
    write(tmp_path / "notes.txt", "hi")
    with pytest.raises(UsageError, match=message):
        create_task(tmp_path / source, tmp_path / tests, tmp_path / "t")


def test_create_accepts_a_package(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.py", "from pkg.core import add\n")
    write(tmp_path / "pkg" / "core.py", "def add(a, b):\n    return a - b\n")
    tests = write(
        tmp_path / "t" / "test_pkg.py",
        "from pkg import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n",
    )
    report = create_task(tmp_path / "pkg", tests, tmp_path / "task")
    assert report.fail_to_pass == ["tests.test_pkg::test_add"]
    assert (tmp_path / "task" / "workspace" / "pkg" / "core.py").is_file()


# ------------------------------------------------------------------------------------------ mutation
def test_mutations_are_one_token_edits_that_compile() -> None:
    source = DEMO_SOURCE.read_text()
    found = find_mutations(source)
    assert len(found) >= 25
    for mutation, text in mutants(source, seed=1):
        ast.parse(text)
        changed = [
            i for i, (a, b) in enumerate(zip(source.splitlines(), text.splitlines(), strict=True)) if a != b
        ]
        assert changed == [mutation.line - 1]


def test_mutation_order_depends_only_on_the_seed() -> None:
    source = DEMO_SOURCE.read_text()
    first = [m for m, _ in mutants(source, seed=3)]
    assert first == [m for m, _ in mutants(source, seed=3)]
    assert first != [m for m, _ in mutants(source, seed=4)]


def test_mutate_keeps_only_mutants_a_test_catches(tmp_path: Path) -> None:
    out = tmp_path / "mutants"
    report = mutate_module(DEMO_SOURCE, DEMO_TESTS, out, count=3, seed=0, workers=2)
    assert len(report.tasks) == 3
    index = json.loads((out / "index.json").read_text())
    assert [t["name"] for t in index["tasks"]] == [t.name for t in report.tasks]
    for task in report.tasks:
        assert task.fail_to_pass
        with TaskDir.open(task.folder) as td:
            buggy = td.step("run_tests")
            assert {t for t, r in buggy.info["tests"].items() if r["outcome"] != "passed"} == set(
                task.fail_to_pass
            )
            for action in td.world.reference_solution() or []:
                result = td.step(action)
            assert result.terminated, "the original module is the reference fix"


def test_mutate_refuses_a_module_whose_tests_fail(tmp_path: Path, user_code) -> None:
    source, tests, _ = user_code
    with pytest.raises(UsageError, match="needs a correct module"):
        mutate_module(source, tests, tmp_path / "m", count=2)


def test_mutate_cli_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "mutate", "-n", "2", str(tmp_path / "m"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tasks"] == 2 and len(out["names"]) == 2


def test_mutate_cli_needs_both_paths(tmp_path: Path, user_code) -> None:
    source, _, _ = user_code
    assert main(["spec", "mutate", "--source", str(source), str(tmp_path / "m")]) == 2


@pytest.mark.slow
def test_twenty_validated_mutants_from_the_demo_module(tmp_path: Path) -> None:
    report = mutate_module(DEMO_SOURCE, DEMO_TESTS, tmp_path / "m", count=20, seed=0, workers=2)
    assert len(report.tasks) == 20
