"""`pworlds lemma …` and `pworlds new lemma --statement …` through the installed console script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest


def run(exe: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def test_list_json_has_the_library(pworlds_exe: str) -> None:
    out = run(pworlds_exe, "lemma", "list", "--json", "--tag", "induction")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {"zero_add", "add_comm"} <= {r["name"] for r in rows}


def test_prove_file_success_failure_and_malformed(pworlds_exe: str, tmp_path: Path) -> None:
    good = tmp_path / "good.lean"
    good.write_text(
        "-- swap\ntheorem swap (p q : Prop) : p ∧ q → q ∧ p := by\n  intro h\n  exact ⟨h.2, h.1⟩\n"
    )
    assert run(pworlds_exe, "lemma", "prove", str(good)).returncode == 0
    bad = tmp_path / "bad.lean"
    bad.write_text("theorem swap (p q : Prop) : p ∧ q → q ∧ p := by\n  intro h\n  exact h\n")
    out = run(pworlds_exe, "lemma", "prove", str(bad))
    assert out.returncode == 1 and "bad.lean:3: type mismatch" in out.stderr
    broken = tmp_path / "broken.lean"
    broken.write_text("theorem t (p : Prop) : p ∧ r := by\n  sorry\n")
    out = run(pworlds_exe, "lemma", "prove", str(broken))
    assert out.returncode == 2 and "column 18: unknown identifier 'r'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_new_with_statement_step_and_replay(pworlds_exe: str, tmp_path: Path) -> None:
    d = tmp_path / "t"
    made = run(pworlds_exe, "new", "lemma", str(d), "--statement", "∀ p q : Prop, p ∧ q → q ∧ p")
    assert made.returncode == 0, made.stderr
    assert run(pworlds_exe, "step", str(d), "intro p q h").returncode == 0
    assert run(pworlds_exe, "step", str(d), "exact ⟨h.2, h.1⟩").returncode == 0
    assert run(pworlds_exe, "replay", str(d)).returncode == 0
    assert run(pworlds_exe, "lemma", "prove", str(d / "proof.lean")).returncode == 0


def test_new_with_bad_statement_is_one_line_usage_error(pworlds_exe: str, tmp_path: Path) -> None:
    out = run(pworlds_exe, "new", "lemma", str(tmp_path / "x"), "--statement", "∀ p : Prop, p ∧")
    assert out.returncode == 2
    assert "column" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x" / "trace.jsonl").exists()


@pytest.mark.parametrize("task", ["identity", "add_comm"])
def test_step_shows_lean_goals(pworlds_exe: str, tmp_path: Path, task: str) -> None:
    d = tmp_path / task
    assert run(pworlds_exe, "new", "lemma", str(d), "--task", task).returncode == 0
    out = run(pworlds_exe, "show", str(d))
    assert "⊢" in out.stdout


def test_check_user_theorem_file(pworlds_exe: str, tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "- name: my_swap\n  statement: '(p q : Prop) : p ∧ q → q ∧ p'\n  tags: [easy]\n"
        "  proof: ['intro h', 'exact ⟨h.2, h.1⟩']\n"
        "- name: my_uses_mine\n  statement: '(p q : Prop) : q ∧ p → p ∧ q'\n  tags: [easy]\n"
        "  proof: ['exact my_swap q p']\n"
    )
    out = run(pworlds_exe, "lemma", "check", str(mine), "--json")
    assert out.returncode == 0, out.stderr
    assert [r["kernel"] for r in json.loads(out.stdout)] == ["ok", "ok"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: broken\n  statement: '(p : Prop) : p ∧ q'\n")
    out = run(pworlds_exe, "lemma", "check", str(bad))
    assert out.returncode == 2 and "bad.yaml entry 1 (broken): statement column" in out.stderr
