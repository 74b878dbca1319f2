"""The toolworld CLI through the installed console script: env list/show/check, verify, import awm."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .conftest import AWM_SOURCE, MINI_SHOP


def run(exe: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_env_list_and_show(pworlds_exe: str) -> None:
    listed = run(pworlds_exe, "env", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout), list)
    shown = run(pworlds_exe, "env", "show", str(MINI_SHOP), "--json")
    data = json.loads(shown.stdout)
    assert data["id"] == "mini_shop" and "cancel_order" in [t["name"] for t in data["tools"]]


def test_env_check_exit_codes(pworlds_exe: str, env_copy) -> None:
    ok = run(pworlds_exe, "env", "check", str(MINI_SHOP))
    assert ok.returncode == 0 and "mini_shop: OK" in ok.stdout
    bad = env_copy(**{"tools.py": "import subprocess\n" + (MINI_SHOP / "tools.py").read_text()})
    failed = run(pworlds_exe, "env", "check", str(bad))
    assert failed.returncode == 1
    assert "tools.py:1:" in failed.stderr and "subprocess" in failed.stderr


def test_new_step_verify_replay(pworlds_exe: str, tmp_path: Path) -> None:
    folder = tmp_path / "t"
    created = run(
        pworlds_exe,
        "new",
        "toolworld",
        str(folder),
        "--env",
        str(MINI_SHOP),
        "--task",
        "cancel_pending_order",
    )
    assert created.returncode == 0, created.stderr
    assert run(pworlds_exe, "verify", str(folder)).returncode == 1
    stepped = run(
        pworlds_exe, "step", str(folder), "cancel_order", "--arg", "order_id=102", "--arg", "reason=r"
    )
    assert stepped.returncode == 0, stepped.stderr
    verified = run(pworlds_exe, "verify", str(folder), "--json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["status"] == "pass"
    assert run(pworlds_exe, "replay", str(folder)).returncode == 0


def test_import_awm_warns_and_writes(pworlds_exe: str, tmp_path: Path) -> None:
    done = run(pworlds_exe, "import", "awm", str(AWM_SOURCE), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "unguarded" in done.stderr
    assert (tmp_path / "out" / "library_loans" / "env.yaml").is_file()
    missing = run(pworlds_exe, "import", "awm", str(tmp_path), "-o", str(tmp_path / "o2"))
    assert missing.returncode == 2 and "gen_scenario.jsonl" in missing.stderr
