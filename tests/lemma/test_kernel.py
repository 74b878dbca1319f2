"""The kernel accepts correct proof terms and rejects wrong ones, whatever a tactic might build."""

from __future__ import annotations

import pytest

from pworlds.worlds.lemma.kernel import (
    AndI,
    AndL,
    App,
    BotE,
    ExE,
    ExI,
    Gen,
    Hole,
    Hyp,
    Ind,
    Inst,
    KernelError,
    Lam,
    Lemma,
    OrE,
    OrIL,
    Refl,
    Subst,
    ZeroNeSucc,
    check,
)
from pworlds.worlds.lemma.parser import parse_formula
from pworlds.worlds.lemma.syntax import BOT, NAT, PROP, Eq, Pred, Succ, Var, Zero, numeral

P, Q = Pred("p"), Pred("q")


def stmt(text: str):  # type: ignore[no-untyped-def]
    return parse_formula(text)


def test_identity_term_checks() -> None:
    check(Gen("p", PROP, Lam("h", P, Hyp("h"))), stmt("∀ p : Prop, p → p"))


def test_bound_names_do_not_matter() -> None:
    check(Gen("a", PROP, Lam("x", Pred("a"), Hyp("x"))), stmt("∀ p : Prop, p → p"))


def test_wrong_hypothesis_is_rejected() -> None:
    bad = Gen("p", PROP, Gen("q", PROP, Lam("h", P, Hyp("h"))))
    with pytest.raises(KernelError):
        check(bad, stmt("∀ p q : Prop, p → q"))


def test_unknown_hypothesis_and_holes_are_rejected() -> None:
    with pytest.raises(KernelError, match="unknown hypothesis"):
        check(Gen("p", PROP, Lam("h", P, Hyp("g"))), stmt("∀ p : Prop, p → p"))
    with pytest.raises(KernelError, match="unsolved goal"):
        check(Gen("p", PROP, Hole(3)), stmt("∀ p : Prop, p → p"))


def test_false_elimination_needs_a_proof_of_false() -> None:
    good = Gen("p", PROP, Lam("h", BOT, BotE(Hyp("h"), P)))
    check(good, stmt("∀ p : Prop, False → p"))
    with pytest.raises(KernelError):
        check(Gen("p", PROP, Gen("q", PROP, Lam("h", Q, BotE(Hyp("h"), P)))), stmt("∀ p q : Prop, q → p"))


def test_or_elimination_branches_must_agree() -> None:
    f = stmt("∀ p q : Prop, p ∨ q → p")
    bad = Gen(
        "p",
        PROP,
        Gen(
            "q",
            PROP,
            Lam(
                "h",
                parse_formula("∀ p q : Prop, p ∨ q").body.body,  # type: ignore[union-attr]
                OrE(Hyp("h"), "a", Hyp("a"), "b", Hyp("b")),
            ),
        ),
    )
    with pytest.raises(KernelError):
        check(bad, f)


def test_generalisation_drops_hypotheses_about_the_shadowed_variable() -> None:
    # ∀ n, n = 0 → ∀ n, n = 0 would be unsound if `h : n = 0` stayed usable under the new n.
    f = stmt("∀ n : Nat, n = 0 → ∀ n : Nat, n = 0")
    bad = Gen("n", NAT, Lam("h", Eq(Var("n"), Zero()), Gen("n", NAT, Hyp("h"))))
    with pytest.raises(KernelError):
        check(bad, f)


def test_exists_elimination_variable_may_not_escape() -> None:
    f = stmt("∀ P : Nat → Prop, (∃ x : Nat, P x) → ∀ y : Nat, P y")
    ex = parse_formula("∀ P : Nat → Prop, ∃ x : Nat, P x").body  # type: ignore[union-attr]
    bad = Gen("P", parse_formula("∀ P : Nat → Prop, True").sort, Lam("h", ex, Gen("y", NAT,  # type: ignore[union-attr]
          ExE(Hyp("h"), "y", "hy", Hyp("hy")))))  # fmt: skip
    with pytest.raises(KernelError):
        check(bad, f)


def test_exists_intro_checks_the_witness() -> None:
    goal = stmt("∃ n : Nat, n + n = 4")
    check(ExI(goal, numeral(2), Refl(numeral(4))), goal)
    with pytest.raises(KernelError):
        check(ExI(goal, numeral(3), Refl(numeral(4))), goal)


def test_refl_uses_definitional_unfolding_only() -> None:
    check(Gen("n", NAT, Refl(Var("n"))), stmt("∀ n : Nat, n + 0 = n"))
    with pytest.raises(KernelError):
        check(Gen("n", NAT, Refl(Var("n"))), stmt("∀ n : Nat, 0 + n = n"))


def test_induction_proves_zero_add() -> None:
    n = Var("n")
    motive = Eq(parse_formula("∀ n : Nat, 0 + n = n").body.left, n)  # type: ignore[union-attr]
    ih_t = motive
    # succ case: 0 + succ k = succ k, i.e. succ (0 + k) = succ k: rewrite with ih inside succ
    step = Gen("n", NAT, Lam("ih", ih_t, Subst(Hyp("ih"), "x", Eq(Succ(motive.left), Succ(Var("x"))),
                                                Refl(Succ(motive.left)))))  # fmt: skip
    proof = Gen("n", NAT, Ind("n", motive, Refl(Zero()), step, n))
    check(proof, stmt("∀ n : Nat, 0 + n = n"))


def test_substitution_must_match_the_source() -> None:
    f = stmt("∀ a b : Nat, a = b → b = a")
    bad = Gen("a", NAT, Gen("b", NAT, Lam("h", Eq(Var("a"), Var("b")),
              Subst(Hyp("h"), "x", Eq(Var("x"), Var("a")), Refl(Var("b"))))))  # fmt: skip
    with pytest.raises(KernelError):
        check(bad, f)
    good = Gen("a", NAT, Gen("b", NAT, Lam("h", Eq(Var("a"), Var("b")),
               Subst(Hyp("h"), "x", Eq(Var("x"), Var("a")), Refl(Var("a"))))))  # fmt: skip
    check(good, f)


def test_zero_ne_succ_needs_that_equation() -> None:
    check(Lam("h", Eq(Zero(), numeral(1)), ZeroNeSucc(Hyp("h"))), stmt("0 = 1 → False"))
    with pytest.raises(KernelError):
        check(Lam("h", Eq(Zero(), Zero()), ZeroNeSucc(Hyp("h"))), stmt("0 = 0 → False"))


def test_lemmas_must_be_in_the_checked_environment() -> None:
    f = stmt("∀ n : Nat, 0 + n = n")
    with pytest.raises(KernelError, match="not a checked theorem"):
        check(Lemma("zero_add"), f)
    check(Lemma("zero_add"), f, {"zero_add": f})


def test_instantiating_a_nat_variable_with_a_formula_is_rejected() -> None:
    f = stmt("(∀ n : Nat, n = n) → 0 = 0")
    with pytest.raises(KernelError):
        check(Lam("h", f.left, Inst(Hyp("h"), Pred("x"))), f)  # type: ignore[union-attr]


def test_statement_must_be_closed_and_rule_shapes_are_enforced() -> None:
    with pytest.raises(KernelError, match="not closed"):
        check(Hyp("h"), P)
    with pytest.raises(KernelError):
        check(Lam("h", P, AndL(Hyp("h"))), stmt("∀ p : Prop, p → p"))
    with pytest.raises(KernelError):
        check(Gen("p", PROP, App(Lam("h", P, Hyp("h")), AndI(Hyp("x"), Hyp("y")))), stmt("∀ p : Prop, p"))
    with pytest.raises(KernelError):
        check(OrIL(Refl(Zero()), Pred("undeclared")), stmt("0 = 0 ∨ True"))
