"""Runner pieces on their own: JUnit parsing, verdict rules, output decoding, snapshots, warm fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from pworlds.cli.main import main
from pworlds.worlds.spec.evaluate import Evaluator, shared_warm_runner
from pworlds.worlds.spec.runner import OUTPUT_CAP_BYTES, Limits, RawRun
from pworlds.worlds.spec.task import builtin_template
from pworlds.worlds.spec.verdict import CaseResult, Report, decide_verdict, decode_output, parse_junit
from pworlds.worlds.spec.workspace import (
    WorkspaceError,
    apply_changes,
    changes,
    read_source,
    resolve_agent_path,
    tree_hash,
    unified_diff,
)

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok" time="0.001"/>
<testcase classname="tests.test_a" name="test_bad" time="0.001"><failure message="assert 1 == 2">tb</failure></testcase>
<testcase classname="tests.test_a" name="test_skip" time="0"><skipped message="later"/></testcase>
<testcase classname="tests.test_a" name="test_err" time="0"><error message="fixture broke"/></testcase>
</testsuite></testsuites>"""


def test_parse_junit_reads_every_outcome(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text(JUNIT)
    report = parse_junit(path)
    assert {k: v.outcome for k, v in report.tests.items()} == {
        "tests.test_a::test_ok": "passed",
        "tests.test_a::test_bad": "failed",
        "tests.test_a::test_skip": "skipped",
        "tests.test_a::test_err": "error",
    }
    assert report.tests["tests.test_a::test_bad"].message == "assert 1 == 2"


@pytest.mark.parametrize("content", ["", "<testsuites><testcase", "not xml at all \xff"])
def test_malformed_or_missing_junit_is_unreadable(tmp_path: Path, content: str) -> None:
    path = tmp_path / "r.xml"
    path.write_text(content, errors="replace")
    assert parse_junit(path).readable is False
    assert parse_junit(tmp_path / "absent.xml").readable is False


def test_expected_tests_missing_from_the_report_are_not_passed() -> None:
    report = Report(tests={"t::a": CaseResult("passed")})
    verdict = decide_verdict(RawRun(returncode=0), report, ["t::a", "t::b"], Limits())
    assert verdict.verdict == "failed" and verdict.passed == 1
    assert verdict.tests["t::b"].outcome == "missing"


def test_a_signal_beats_a_good_report() -> None:
    report = Report(tests={"t::a": CaseResult("passed")})
    verdict = decide_verdict(RawRun(returncode=-9), report, ["t::a"], Limits())
    assert verdict.verdict == "crashed" and "SIGKILL" in verdict.message


def test_output_keeps_head_and_tail_and_flags_bad_bytes() -> None:
    raw = RawRun(returncode=0, output_head=b"start \xff", output_tail=b"end", output_bytes=10_000)
    text, bad = decode_output(raw)
    assert bad is True
    assert text.startswith("start") and text.endswith("end") and "bytes cut" in text
    assert OUTPUT_CAP_BYTES >= 8192


def test_snapshots_diffs_and_hashes() -> None:
    before = {"a.py": "x = 1\n", "b.py": "y = 2\n"}
    after = {"a.py": "x = 3\n", "c.py": "z = 1\n"}
    changed, removed = changes(before, after)
    assert changed == {"a.py": "x = 3\n", "c.py": "z = 1\n"} and removed == ["b.py"]
    assert apply_changes(before, changed, removed) == after
    diff = unified_diff(before, after)
    assert "--- a/a.py" in diff and "+x = 3" in diff and "+++ /dev/null" in diff and "--- /dev/null" in diff
    assert tree_hash(after) == tree_hash(dict(reversed(list(after.items()))))
    assert tree_hash(before) != tree_hash(after)


def test_binary_files_survive_a_snapshot(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\x00\xff\x10")
    snap = read_source(tmp_path)
    assert snap["blob.bin"].startswith("\x00base64:")
    assert "<binary file" in unified_diff({}, snap)


@pytest.mark.parametrize("path", ["", "/abs.py", "../x.py", "a/../../x.py", "__pycache__/m.pyc"])
def test_agent_paths_outside_the_workspace_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(WorkspaceError):
        resolve_agent_path(tmp_path, path, for_write=False)


def test_warm_worker_death_falls_back_to_a_cold_run() -> None:
    template = builtin_template("fizzbuzz") / "workspace"
    evaluator = Evaluator(limits=Limits(), warm=True, wait_for_warm=True)
    try:
        assert evaluator.run(read_source(template), template, None).runner == "warm"
        worker = shared_warm_runner()
        assert worker._proc is not None
        worker._proc.kill()
        worker._proc.wait()
        result = evaluator.run(read_source(template), template, None)
        assert result.verdict == "failed" and result.passed == 3
        assert result.runner in ("cold", "warm")  # cold now, or a freshly started worker
    finally:
        evaluator.close()


def test_spec_list_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "list", "--json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["task"] == "fizzbuzz" and len(rows) >= 21
    assert all(row["fail_to_pass"] >= 1 for row in rows)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"task.yaml": "name: [unclosed"}, "not valid YAML"),
        ({"task.yaml": "name: x\ndescription: d\nfail_to_pass: []\n"}, "fail_to_pass is empty"),
        ({"task.yaml": "name: x\ndescription: d\nfail_to_pass: [a]\nsurprise: 1\n"}, "surprise"),
        ({"task.yaml": "name: x\ndescription: d\nfail_to_pass: [a]\n", "../evil.py": "x"}, "bad path"),
    ],
)
def test_malformed_inline_templates_are_refused(files: dict[str, str], message: str) -> None:
    from psignal.errors import PworldsError
    from pworlds.worlds.spec import SpecWorld

    world = SpecWorld({"template_files": files})
    with pytest.raises(PworldsError, match=message):
        world.reset()
    world.close()


def test_unknown_config_keys_are_refused() -> None:
    from psignal.errors import UsageError
    from pworlds.worlds.spec import SpecWorld

    with pytest.raises(UsageError, match="timeout"):
        SpecWorld({"timeout": 3})
