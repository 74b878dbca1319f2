"""Coq backend against a real coqtop, and the cross-check that guards the built-in kernel's soundness."""

from __future__ import annotations

import pytest

from psignal.registry import make_world
from pworlds.worlds.lemma.coq import (
    CoqSession,
    coq_formula,
    coqtop_path,
    cross_check,
    parse_goals,
)
from pworlds.worlds.lemma.parser import parse_formula
from pworlds.worlds.lemma.theorems import negative_controls, theorems

pytestmark = pytest.mark.coq
needs_coq = pytest.mark.skipif(coqtop_path() is None, reason="coqtop not on PATH (apt-get install -y coq)")


def tactic(text: str) -> dict:
    return {"name": "tactic", "arguments": {"tactic": text}}


def test_export_is_fully_parenthesised_coq() -> None:
    f = parse_formula("∀ P : Nat → Prop, ∀ n : Nat, ¬P (succ n) ∨ n + 2 = n * 1 ↔ ∃ m : Nat, P m")
    assert coq_formula(f) == (
        "(forall P : nat -> Prop, (forall n : nat, (((~ (P (S n))) \\/ ((n + 2) = (n * 1))) <-> "
        "(exists m : nat, (P m)))))"
    )


def test_goal_parser_reads_hypotheses_and_targets() -> None:
    answer = "2 goals (ID 7)\n  \n  p, q : Prop\n  h : p /\\\n      q\n  ============================\n  q\n\ngoal 2 (ID 8) is:\n p"
    goals, done = parse_goals(answer)
    assert not done
    assert goals[0]["hypotheses"] == [
        {"name": "p, q", "type": "Prop", "kind": "hyp"},
        {"name": "h", "type": "p /\\ q", "kind": "hyp"},
    ]
    assert [g["target"] for g in goals] == ["q", "p"]
    assert parse_goals("No more goals.") == ([], True)


@needs_coq
def test_coq_episode_valid_invalid_and_solved() -> None:
    w = make_world("lemma", {"backend": "coq"})
    try:
        obs = w.reset(task="and_swap")
        assert "forall p q : Prop" in obs["text"]
        r = w.step(tactic("intros p q h."))
        assert r.valid and r.observation["goals"][0]["target"] == "q /\\ p"
        bad = w.step(tactic("exact foo"))
        assert not bad.valid and "foo" in bad.observation["error"] and bad.reward == -0.1
        assert w.step(tactic("destruct h as [a b]")).valid
        assert not w.step(tactic("split. exact b")).valid  # two sentences are refused
        assert not w.step(tactic("Qed")).valid
        done = w.step(tactic("split; assumption"))
        assert done.terminated and done.reward == 1.0
    finally:
        w.close()


@needs_coq
def test_one_coqtop_is_reused_across_resets_and_restore_replays() -> None:
    w = make_world("lemma", {"backend": "coq"})
    try:
        w.reset(task="identity")
        pid = w._coq.proc.pid
        w.step(tactic("intros p h"))
        w.reset(task="or_swap")
        assert w._coq.proc.pid == pid
        w.step(tactic("intros p q h"))
        state = w.state()
        w2 = make_world("lemma", {"backend": "coq"})
        try:
            w2.restore(state)
            assert w2.observe()["goals"] == w.observe()["goals"]
        finally:
            w2.close()
        for action in (w.reset(task="add_comm") and w.reference_solution()) or []:
            result = w.step(action)
        assert result.terminated
    finally:
        w.close()


@needs_coq
def test_custom_coq_statement() -> None:
    w = make_world("lemma", {"backend": "coq", "statement": "forall n : nat, n + 0 = n"})
    try:
        w.reset()
        assert w.step(tactic("intros n")).valid
        assert w.step(tactic("induction n; simpl; congruence")).terminated
    finally:
        w.close()


@needs_coq
def test_every_library_theorem_is_proved_in_coq_and_negative_controls_are_not() -> None:
    session = CoqSession()
    try:
        positive = cross_check(list(theorems()), session)
        negative = cross_check(list(negative_controls()), session)
    finally:
        session.close()
    failures = {k: v for k, v in positive.items() if v is not None}
    assert failures == {}
    assert all(v is not None for v in negative.values()), negative


@needs_coq
def test_recorded_coq_proof_file_compiles_with_coqc(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    w = make_world("lemma", {"backend": "coq"})
    try:
        w.reset(task="and_comm")
        for action in w.reference_solution() or []:
            w.step(action)
        assert w.terminated
        w.persist(tmp_path)
    finally:
        w.close()
    script = tmp_path / "proof.v"
    assert script.read_text().endswith("Qed.\n")
    if shutil.which("coqc") is None:
        pytest.skip("coqc not on PATH")
    (tmp_path / "check.v").write_text("Require Import Lia Arith.\n" + script.read_text())
    done = subprocess.run(["coqc", "check.v"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
