"""Lean backend: detection and the graceful failure without a toolchain. The live path is untested here."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from psignal.errors import PworldsError
from psignal.registry import make_world
from pworlds.worlds.lemma.lean import INSTALL_HINT, LeanUnavailableError, repl_command


def _fake_exe(folder: Path, name: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_no_toolchain_means_no_repl(tmp_path: Path) -> None:
    assert repl_command({"PATH": str(tmp_path)}) is None


def test_repl_needs_both_lean_and_repl_on_path(tmp_path: Path) -> None:
    _fake_exe(tmp_path, "repl")
    assert repl_command({"PATH": str(tmp_path)}) is None
    _fake_exe(tmp_path, "lean")
    assert repl_command({"PATH": str(tmp_path)}) == ["repl"]


def test_explicit_command_is_honoured_only_when_it_exists(tmp_path: Path) -> None:
    _fake_exe(tmp_path, "lake")
    env = {"PATH": str(tmp_path), "PWORLDS_LEAN_REPL": "lake env repl"}
    assert repl_command(env) == ["lake", "env", "repl"]
    assert repl_command({"PATH": "/nonexistent", "PWORLDS_LEAN_REPL": "lake env repl"}) is None


@pytest.mark.skipif(
    repl_command() is not None, reason="a Lean REPL is installed; the error path does not apply"
)
def test_lean_backend_without_toolchain_fails_with_one_line_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PWORLDS_LEAN_REPL", raising=False)
    w = make_world("lemma", {"backend": "lean"})
    with pytest.raises(LeanUnavailableError) as info:
        w.reset()
    message = str(info.value)
    assert "\n" not in message and message == INSTALL_HINT and "elan" in message
    assert isinstance(info.value, PworldsError)


@pytest.mark.lean
@pytest.mark.skipif(repl_command() is None, reason="UNTESTED live path: no Lean toolchain/REPL on PATH")
def test_lean_live_identity() -> None:  # pragma: no cover
    w = make_world("lemma", {"backend": "lean"})
    try:
        w.reset()
        w.step({"name": "tactic", "arguments": {"tactic": "intro h"}})
        assert w.step({"name": "tactic", "arguments": {"tactic": "exact h"}}).terminated
    finally:
        w.close()


def test_statements_become_lean_theorem_signatures() -> None:
    from pworlds.worlds.lemma.lean import lean_signature

    assert lean_signature("(p : Prop) : p → p") == "(p : Prop) : p → p"
    assert lean_signature("∀ n : Nat, succ n ≠ 0") == ": ∀ n : Nat, Nat.succ n ≠ 0"
