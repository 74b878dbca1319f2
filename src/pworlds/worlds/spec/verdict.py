"""Judge a test run: pytest's JUnit XML matched against the expected test ids, plus how the process ended.

Why the expected ids and not pytest's exit code: a test that disappears, a module that exits during
collection or a process killed before it reports must never count as passing. Every run-level verdict
comes with one clear line saying what happened.
"""

from __future__ import annotations

import signal
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pworlds.worlds.spec.runner import Limits, RawRun

XML_CAP_BYTES = 8 * 1024 * 1024

VERDICTS = (
    "passed",
    "failed",
    "collection_error",
    "no_tests",
    "timeout",
    "crashed",
    "output_limit",
    "no_report",
)
"""Run-level verdicts, most specific first in :func:`decide_verdict`."""


@dataclass(slots=True)
class CaseResult:
    outcome: str
    """passed | failed | error | skipped | missing | timeout | crashed"""
    message: str = ""

    def to_dict(self) -> dict[str, str]:
        return (
            {"outcome": self.outcome, "message": self.message} if self.message else {"outcome": self.outcome}
        )


@dataclass(slots=True)
class Report:
    """What pytest's JUnit XML says: per-test results and collection errors."""

    tests: dict[str, CaseResult] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    readable: bool = True


def _short(text: str | None, limit: int = 300) -> str:
    text = (text or "").strip()
    first = text.splitlines()[0] if text else ""
    return first[:limit]


def parse_junit(path: Path) -> Report:
    """Parse pytest's JUnit XML; an absent, oversized or malformed file gives ``readable=False``."""
    try:
        if path.stat().st_size > XML_CAP_BYTES:
            return Report(readable=False)
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return Report(readable=False)
    report = Report()
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        name = case.get("name", "")
        failure = case.find("failure")
        error = case.find("error")
        skipped = case.find("skipped")
        if not classname and error is not None:
            # pytest reports a module that cannot be collected as a classless test case.
            text = error.get("message") or ""
            detail = (error.text or "").strip().splitlines()
            useful = [line for line in detail if line.startswith("E ")]
            report.collection_errors.append(
                f"{name}: {text} {useful[-1][1:].strip() if useful else ''}".strip()
            )
            continue
        test_id = f"{classname}::{name}"
        if failure is not None:
            result = CaseResult("failed", _short(failure.get("message") or failure.text))
        elif error is not None:
            result = CaseResult("error", _short(error.get("message") or error.text))
        elif skipped is not None:
            result = CaseResult("skipped", _short(skipped.get("message")))
        else:
            result = CaseResult("passed")
        report.tests[test_id] = result
    return report


def signal_name(code: int | None) -> str | None:
    if code is None or code >= 0:
        return None
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


@dataclass(slots=True)
class Verdict:
    verdict: str
    message: str
    tests: dict[str, CaseResult]
    passed: int
    total: int

    @property
    def solved(self) -> bool:
        return self.verdict == "passed"


def decide_verdict(raw: RawRun, report: Report, expected: Iterable[str], limits: Limits) -> Verdict:
    """Match the report against the expected test ids and name what happened, in one clear line."""
    expected = list(expected)
    sig = signal_name(raw.returncode)
    if raw.timed_out:
        fill, verdict = "timeout", "timeout"
        message = f"tests did not finish within {limits.timeout_s:g} s (killed; an infinite loop?)"
    elif raw.over_output_limit:
        fill, verdict = "missing", "output_limit"
        message = f"tests wrote more than {limits.output_limit_bytes} bytes of output (killed)"
    elif sig == "SIGXCPU":
        fill, verdict = "timeout", "timeout"
        message = f"tests used more than {limits.cpu_s} s of CPU time (killed by SIGXCPU)"
    elif sig is not None:
        fill, verdict = "crashed", "crashed"
        message = f"the test process was killed by {sig} (a crash such as a segfault)"
    elif not report.readable:
        fill, verdict = "missing", "no_report"
        message = (
            f"pytest exited with code {raw.returncode} without writing a test report "
            "(did the code call os._exit or kill the process?)"
        )
    elif report.collection_errors:
        fill, verdict = "missing", "collection_error"
        message = "tests could not be collected: " + "; ".join(report.collection_errors)[:500]
    else:
        fill, verdict, message = "missing", "", ""
    tests: dict[str, CaseResult] = {}
    for test_id in expected:
        got = report.tests.get(test_id)
        tests[test_id] = got if got is not None else CaseResult(fill)
    passed = sum(1 for r in tests.values() if r.outcome == "passed")
    if not verdict:
        if not report.tests and raw.returncode == 5:
            verdict, message = "no_tests", "pytest collected no tests"
        elif passed == len(tests) and tests:
            verdict, message = "passed", f"all {len(tests)} tests pass"
        else:
            verdict = "failed"
            failing = [tid for tid, r in tests.items() if r.outcome != "passed"]
            message = f"{passed}/{len(tests)} tests pass; failing: {', '.join(failing[:5])}"
            if len(failing) > 5:
                message += f" and {len(failing) - 5} more"
    return Verdict(verdict, message, tests, passed, len(tests))


def decode_output(raw: RawRun) -> tuple[str, bool]:
    """Decode captured output; non-UTF-8 bytes are replaced and flagged, never an exception."""
    data = raw.output_head
    gap = raw.output_bytes - len(raw.output_head) - len(raw.output_tail)
    if gap > 0:
        data += f"\n[... {gap} bytes cut ...]\n".encode()
    data += raw.output_tail
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def scrub(text: str, replacements: Mapping[str, str]) -> str:
    """Replace private temp paths so recorded messages do not depend on where the run happened."""
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text
