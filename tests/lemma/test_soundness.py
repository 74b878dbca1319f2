"""Soundness: no tactic script closes a goal that is not a tautology, and a buggy tactic cannot either.

Random propositional formulas (hypothesis) get random tactic scripts; whenever a script closes every goal
the formula must be true under every assignment (intuitionistic proofs are a subset of classical ones).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pworlds.worlds.lemma import tactics as tactics_module
from pworlds.worlds.lemma.kernel import Hyp, check
from pworlds.worlds.lemma.prover import Prover, Statement, TacticError
from pworlds.worlds.lemma.syntax import BOT, PROP, TOP, And, Formula, Iff, Imp, Not, Or, Pred

ATOMS = ("p", "q", "r")


def evaluate(f: Formula, env: dict[str, bool]) -> bool:
    if isinstance(f, Pred):
        return env[f.name]
    if f == TOP:
        return True
    if f == BOT:
        return False
    if isinstance(f, Not):
        return not evaluate(f.arg, env)
    a, b = evaluate(f.left, env), evaluate(f.right, env)  # type: ignore[union-attr]
    if isinstance(f, And):
        return a and b
    if isinstance(f, Or):
        return a or b
    if isinstance(f, Imp):
        return (not a) or b
    assert isinstance(f, Iff)
    return a == b


def tautology(f: Formula) -> bool:
    return all(
        evaluate(f, dict(zip(ATOMS, vals, strict=True)))
        for vals in itertools.product([False, True], repeat=3)
    )


formulas = st.recursive(
    st.sampled_from([Pred(a) for a in ATOMS] + [TOP, BOT]),
    lambda sub: st.one_of(
        st.builds(Not, sub),
        st.builds(And, sub, sub),
        st.builds(Or, sub, sub),
        st.builds(Imp, sub, sub),
        st.builds(Iff, sub, sub),
    ),
    max_leaves=7,
)

NAMES = ["h", "h_1", "h_2", "a", "b", "left", "right", "mp", "mpr", "h✝"]
SIMPLE = ["intro h", "intro a", "intros", "assumption", "constructor", "left", "right", "exfalso", "contradiction",
          "trivial", "rfl", "simp", "exact trivial", "intro h_1", "intro h_2"]  # fmt: skip
TEMPLATES = ["exact {0}", "apply {0}", "cases {0}", "rcases {0} with ⟨a, b⟩", "rcases {0} with a | b",
             "exact {0}.1", "exact {0}.2", "exact {0} {1}", "exact ⟨{0}, {1}⟩", "exact Or.inl {0}",
             "exact Or.inr {0}", "have c := {0} {1}", "exact absurd {0} {1}", "exact False.elim {0}",
             "exact {0}.mp {1}", "exact {0}.mpr {1}", "exact fun x => {0}"]  # fmt: skip
tactic_texts = st.one_of(
    st.sampled_from(SIMPLE),
    st.builds(
        lambda t, a, b: t.format(a, b),
        st.sampled_from(TEMPLATES),
        st.sampled_from(NAMES),
        st.sampled_from(NAMES),
    ),
)


def closed(f: Formula) -> Statement:
    return Statement(tuple((a, PROP) for a in ATOMS), f, "")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas, st.booleans(), st.lists(tactic_texts, min_size=1, max_size=25))
def test_random_scripts_never_prove_a_non_tautology(
    f: Formula, intros_first: bool, script: list[str]
) -> None:
    prover = Prover(closed(f), {})
    for tactic in (["intros"] if intros_first else []) + script:
        if prover.done:
            break
        try:
            prover.step(tactic)
        except TacticError:
            continue
    if prover.done:
        assert tautology(f), f"closed a non-tautology: {f} by {prover.tactics}"
        check(prover.state.term(), closed(f).closed)


@settings(max_examples=150, deadline=None)
@given(formulas)
def test_intros_then_automation_style_attempts_respect_truth_tables(f: Formula) -> None:
    prover = Prover(closed(f), {})
    for tactic in ["intros", *SIMPLE, *(t.format("h", "h_1") for t in TEMPLATES)] * 2:
        if prover.done:
            break
        try:
            prover.step(tactic)
        except TacticError:
            pass
    if prover.done:
        assert tautology(f)


def test_a_buggy_tactic_cannot_mark_a_false_statement_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate a tactic bug: a 'tactic' that closes any goal with whatever hypothesis is named h."""

    def evil(state, goal, stream, lemmas):  # type: ignore[no-untyped-def]
        return state.close(goal, Hyp("h"), [])

    monkeypatch.setitem(tactics_module._HANDLERS, "evil", evil)
    prover = Prover(closed(Imp(Pred("p"), Pred("q"))), {})
    prover.step("intro h")
    with pytest.raises(TacticError, match="kernel rejected the proof"):
        prover.step("evil")
    assert not prover.done and prover.tactics == ["intro h"]


# ----------------------------------------------------------------------------------------------- arithmetic
from pworlds.worlds.lemma.syntax import NAT as _NAT  # noqa: E402
from pworlds.worlds.lemma.syntax import Add, Eq, Mul, Succ, Term, Var, Zero  # noqa: E402
from pworlds.worlds.lemma.theorems import lemmas_before  # noqa: E402

terms = st.recursive(
    st.sampled_from([Var("x"), Var("y"), Zero(), Succ(Zero())]),
    lambda sub: st.one_of(st.builds(Add, sub, sub), st.builds(Mul, sub, sub), st.builds(Succ, sub)),
    max_leaves=5,
)
ARITH = ["rfl", "simp", "simp [add_comm, add_assoc, add_left_comm]", "rw [add_comm]", "rw [mul_comm]",
         "rw [add_zero]", "rw [zero_add]", "rw [ih]", "rw [← ih]", "induction x with x ih", "induction y with y ih",
         "exact ih", "symm", "rw [left_distrib]", "rw [right_distrib]", "rw [mul_one]", "simp [mul_comm]",
         "rw [add_succ]", "rw [succ_add]", "exact add_comm x y", "exact mul_comm x y", "apply ih"]  # fmt: skip


def value(t: Term, env: dict[str, int]) -> int:
    if isinstance(t, Var):
        return env[t.name]
    if isinstance(t, Zero):
        return 0
    if isinstance(t, Succ):
        return value(t.arg, env) + 1
    a, b = value(t.left, env), value(t.right, env)  # type: ignore[union-attr]
    return a + b if isinstance(t, Add) else a * b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms, terms, st.lists(st.sampled_from(ARITH), min_size=1, max_size=12))
def test_random_arithmetic_scripts_only_prove_true_equations(a: Term, b: Term, script: list[str]) -> None:
    statement = Statement((("x", _NAT), ("y", _NAT)), Eq(a, b), "")
    prover = Prover(statement, lemmas_before(None))
    for tactic in script:
        if prover.done:
            break
        try:
            prover.step(tactic)
        except TacticError:
            continue
    if prover.done:
        grid = [{"x": x, "y": y} for x in range(4) for y in range(4)]
        assert all(value(a, env) == value(b, env) for env in grid), f"proved a false equation {a} = {b}"
