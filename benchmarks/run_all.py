"""Run every benchmark, then merge their tables (docs/perf/*.md) into docs/performance.md.

Usage: ``python benchmarks/run_all.py [--quick] [--only core,toolworld,...] [--merge-only]``.
Each ``benchmarks/bench_<part>.py`` writes ``docs/perf/<part>.md``; a failing benchmark is reported and the
others still run.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERF = ROOT / "docs" / "perf"
ORDER = ["core", "toolworld", "mcp", "lemma", "spec"]

HEADER = """# Performance

Figures measured on the project's CI-class machine ({machine}); each part's benchmark lives in
`benchmarks/` and rewrites its own table in `docs/perf/`. Ratios against other systems are measured side by
side in one run. Re-run everything with `make bench` (or `python benchmarks/run_all.py`).

Last merged: {date}.
"""


def merge() -> Path:
    parts = sorted(PERF.glob("*.md"), key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else 99, p.stem))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    body = [HEADER.format(machine=machine, date=time.strftime("%Y-%m-%d"))]
    body += [p.read_text(encoding="utf-8").strip() + "\n" for p in parts]
    out = ROOT / "docs" / "performance.md"
    out.write_text("\n".join(body), encoding="utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated parts, e.g. core,toolworld")
    parser.add_argument("--merge-only", action="store_true")
    opts = parser.parse_args()
    failed = []
    if not opts.merge_only:
        wanted = {p for p in opts.only.split(",") if p}
        for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
            part = script.stem.removeprefix("bench_")
            if wanted and part not in wanted:
                continue
            print(f"== {script.name}", flush=True)
            args = [sys.executable, str(script)] + (["--quick"] if opts.quick else [])
            if subprocess.run(args, cwd=ROOT).returncode != 0:
                failed.append(script.name)
    print(f"merged into {merge()}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
