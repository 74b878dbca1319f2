"""The theorem library: ≥ 100 theorems, tagged, each with a reference proof the kernel accepts."""

from __future__ import annotations

from collections import Counter

import pytest

from psignal.registry import make_world
from pworlds.worlds.lemma.prover import Prover, TacticError
from pworlds.worlds.lemma.theorems import (
    DIFFICULTIES,
    checked_lemmas,
    lemmas_before,
    negative_controls,
    theorems,
)

ALL = theorems()


def test_library_has_at_least_100_tagged_theorems() -> None:
    assert len(ALL) >= 100
    for t in ALL:
        assert any(tag in DIFFICULTIES for tag in t.tags), t.name
        assert t.proof, t.name
    topics = Counter(tag for t in ALL for tag in t.tags)
    for topic in ("propositional", "quantifiers", "equality", "arithmetic", "induction"):
        assert topics[topic] >= 5, topic


def test_first_task_is_identity_proved_by_intro_then_exact() -> None:
    assert ALL[0].name == "identity"
    assert ALL[0].proof == ("intro h", "exact h")


def test_named_arithmetic_theorems_are_present() -> None:
    names = {t.name for t in ALL}
    assert {"add_zero", "zero_add", "add_comm", "add_assoc", "left_distrib", "mul_comm"} <= names


def test_every_reference_proof_is_checked_by_the_kernel() -> None:
    assert [n for n, _ in checked_lemmas()] == [t.name for t in ALL]


@pytest.mark.parametrize("theorem", ALL, ids=[t.name for t in ALL])
def test_reference_solution_solves_the_task_in_the_world(theorem) -> None:  # type: ignore[no-untyped-def]
    world = make_world("lemma", {})
    world.reset(task=theorem.name)
    actions = world.reference_solution()
    assert actions
    results = [world.step(a) for a in actions]
    assert all(r.valid for r in results)
    assert results[-1].terminated and results[-1].reward == 1.0
    assert not any(r.terminated for r in results[:-1])


def test_a_theorem_cannot_use_itself_or_later_lemmas() -> None:
    before = lemmas_before("add_comm")
    assert "add_comm" not in before and "mul_comm" not in before and "zero_add" in before
    p = Prover(next(t for t in ALL if t.name == "add_comm").statement, before)
    with pytest.raises(TacticError):
        p.step("exact add_comm n m")


@pytest.mark.parametrize("theorem", negative_controls(), ids=[t.name for t in negative_controls()])
def test_negative_controls_resist_the_obvious_attacks(theorem) -> None:  # type: ignore[no-untyped-def]
    attacks = ["intros", "assumption", "trivial", "rfl", "simp", "constructor", "left", "right", "exfalso",
               "contradiction", "exact h", "apply h", "intro h", "intro n"]  # fmt: skip
    p = Prover(theorem.statement, lemmas_before(None))
    for _ in range(3):
        for tactic in attacks:
            try:
                p.step(tactic)
            except TacticError:
                continue
    assert not p.done
