"""Each tactic behaves like its Lean 4 namesake; a tactic that does not apply fails and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pworlds.worlds.lemma.prover import Prover, TacticError

Prove = Callable[..., Prover]


def test_identity_goal_is_printed_like_lean(prove: Prove) -> None:
    p = prove("(p : Prop) : p → p")
    assert p.text() == "p : Prop\n⊢ p → p"
    p.step("intro h")
    assert p.text() == "p : Prop\nh : p\n⊢ p"
    p.step("exact h")
    assert p.done and p.text() == "no goals"


def test_several_goals_are_numbered_blocks_with_case_names(prove: Prove) -> None:
    p = prove("(p q : Prop) : p → q → p ∧ q", "intro hp hq", "constructor")
    assert (
        p.text()
        == "2 goals\ncase left\np q : Prop\nhp : p\nhq : q\n⊢ p\n\ncase right\np q : Prop\nhp : p\nhq : q\n⊢ q"
    )


def test_failed_tactic_leaves_the_state_unchanged(prove: Prove) -> None:
    p = prove("(p q : Prop) : p → q", "intro h")
    before = p.text()
    for bad in ["exact h", "apply h", "assumption", "constructor", "left", "rfl", "cases h", "intro x",
                "induction h", "rw [h]", "simp", "frobnicate", "exact (", "contradiction", "symm"]:  # fmt: skip
        with pytest.raises(TacticError):
            p.step(bad)
        assert p.text() == before
    assert p.tactics == ["intro h"]


@pytest.mark.parametrize(
    ("tactic", "message"),
    [
        ("exact h", "type mismatch"),
        ("exact nope", "unknown identifier 'nope'"),
        ("frobnicate", "unknown tactic 'frobnicate'"),
        ("rfl", "The rfl tactic failed"),
        ("assumption", "tactic 'assumption' failed"),
        ("intro x", "no additional binders"),
        ("exact (", "column"),
    ],
)
def test_error_text_is_lean_like(prove: Prove, tactic: str, message: str) -> None:
    p = prove("(p q : Prop) : p → q", "intro h")
    with pytest.raises(TacticError, match=message.replace("(", r"\(")):
        p.step(tactic)


def test_intros_and_anonymous_constructor(prove: Prove) -> None:
    p = prove("(p q : Prop) : p → q → q ∧ p", "intros", "exact ⟨h_1, h⟩")
    assert p.done


def test_intro_names_clash_old_hypothesis_becomes_inaccessible(prove: Prove) -> None:
    p = prove("(p q : Prop) : p → q → p", "intro h", "intro h")
    assert "h✝ : p" in p.text() and "h : q" in p.text()
    p.step("exact h✝")
    assert p.done


def test_apply_creates_premise_goals(prove: Prove) -> None:
    p = prove("(p q r : Prop) : (p → q → r) → p → q → r", "intro f hp hq", "apply f")
    assert len(p.state.goals) == 2
    p.step("exact hp")
    p.step("exact hq")
    assert p.done


def test_apply_instantiates_universal_hypotheses(prove: Prove) -> None:
    p = prove("(P Q : Nat → Prop) : (∀ x, P x → Q x) → P 5 → Q 5", "intro h hp", "apply h")
    assert p.text().endswith("⊢ P 5")
    p.step("exact hp")
    assert p.done


def test_cases_on_or_gives_inl_and_inr(prove: Prove) -> None:
    p = prove("(p q : Prop) : p ∨ q → q ∨ p", "intro h", "cases h")
    assert "case inl" in p.text() and "case inr" in p.text()
    for t in ["right", "assumption", "left", "assumption"]:
        p.step(t)
    assert p.done


def test_rcases_nested_pattern_and_exists(prove: Prove) -> None:
    p = prove("(P : Nat → Prop) (q : Prop) : (∃ x, P x ∧ q) → q ∧ ∃ y, P y", "intro h",
              "rcases h with ⟨w, hw, hq⟩")  # fmt: skip
    assert "w : Nat" in p.text() and "hw : P w" in p.text() and "hq : q" in p.text()
    assert "h :" not in p.text()
    p.step("exact ⟨hq, w, hw⟩")
    assert p.done


def test_cases_on_false_closes_the_goal(prove: Prove) -> None:
    assert prove("(p : Prop) : False → p", "intro h", "cases h").done


def test_exfalso_and_contradiction(prove: Prove) -> None:
    assert prove("(p q : Prop) : p → ¬p → q", "intro hp hn", "exfalso", "exact hn hp").done
    assert prove("(p q : Prop) : p → ¬p → q", "intro hp hn", "contradiction").done
    assert prove("(p : Prop) : 0 = 2 → p", "intro h", "contradiction").done


def test_have_with_and_without_proof(prove: Prove) -> None:
    p = prove("(p q : Prop) : p → (p → q) → q", "intro hp f", "have hq : q")
    assert p.text().startswith("2 goals")
    p.step("exact f hp")
    p.step("exact hq")
    assert p.done


def test_show_accepts_only_a_convertible_goal(prove: Prove) -> None:
    p = prove("(n : Nat) : n + 0 = n")
    p.step("show n = n")
    with pytest.raises(TacticError, match="type mismatch"):
        p.step("show n = 0")
    p.step("rfl")
    assert p.done


def test_rw_forwards_and_backwards_and_at(prove: Prove) -> None:
    assert prove("(a b c : Nat) : a = b → b = c → a = c", "intro h1 h2", "rw [h1, h2]").done
    assert prove("(a b : Nat) : a = b → b = a", "intro h", "rw [← h]").done
    p = prove("(P : Nat → Prop) (a b : Nat) : a = b → P a → P b", "intro h hp", "rw [h] at hp")
    assert "hp : P b" in p.text()


def test_rw_reports_a_missing_pattern(prove: Prove) -> None:
    p = prove("(a b c : Nat) : a = b → c = c + 0", "intro h")
    with pytest.raises(TacticError, match="did not find instance of the pattern"):
        p.step("rw [h]")


def test_rw_with_library_lemma_and_arguments(prove: Prove) -> None:
    assert prove("(x y : Nat) : x + y + 0 = y + x", "rw [add_zero, add_comm]", lemmas=True).done
    assert prove("(x y : Nat) : x + y = y + x", "rw [Nat.add_comm x y]", lemmas=True).done


def test_induction_gives_zero_and_succ_cases(prove: Prove) -> None:
    p = prove("(n : Nat) : 0 + n = n", "induction n with k ih")
    assert (
        p.text()
        == "2 goals\ncase zero\n⊢ 0 + 0 = 0\n\ncase succ\nk : Nat\nih : 0 + k = k\n⊢ 0 + succ k = succ k"
    )
    p.step("rfl")
    p.step("show succ (0 + k) = succ k")
    p.step("rw [ih]")
    assert p.done


def test_induction_reverts_dependent_hypotheses(prove: Prove) -> None:
    p = prove("(n m : Nat) : n = m → m = n", "intro h", "induction n")
    assert "h : 0 = m" in p.text()
    assert "ih : n = m → m = n" in p.text()


def test_exists_and_use(prove: Prove) -> None:
    assert prove("∃ n : Nat, n + n = 4", "exists 2").done
    p = prove("(P : Nat → Prop) : P 1 → ∃ n, P n", "intro h", "use 1")
    assert p.done


def test_simp_uses_library_and_given_lemmas(prove: Prove) -> None:
    assert prove("(n : Nat) : 0 + n * 1 + 0 = n", "simp", lemmas=True).done
    assert prove("(a b c : Nat) : a + b + c = c + b + a", "simp [add_assoc, add_comm, add_left_comm]",
                 lemmas=True).done  # fmt: skip
    p = prove("(a b : Nat) : a = b", lemmas=True)
    with pytest.raises(TacticError, match="simp made no progress"):
        p.step("simp only []")


def test_simp_reduces_succ_equations(prove: Prove) -> None:
    p = prove("(a b : Nat) : a = b → succ a = succ b", "intro h", "simp")
    assert p.text().endswith("⊢ a = b")


def test_exact_with_projections_and_functions(prove: Prove) -> None:
    assert prove("(p q : Prop) : (p ↔ q) → q → p", "intro h hq", "exact h.mpr hq").done
    assert prove("(p q : Prop) : p → p ∨ q", "exact fun hp => Or.inl hp").done
    assert prove("(p q : Prop) : p ∧ q → q", "intro h", "exact (And.intro h.2 h.1).1").done


def test_no_goals_left_means_tactics_are_refused(prove: Prove) -> None:
    p = prove("True", "trivial")
    with pytest.raises(TacticError, match="no goals"):
        p.step("trivial")


def test_focus_dot_is_accepted(prove: Prove) -> None:
    assert prove("(p : Prop) : p → p ∧ p", "intro h", "constructor", "· exact h", "· exact h").done


def test_sequences_and_all_goals_combinator(prove: Prove) -> None:
    assert prove("(p : Prop) : p → p ∧ p", "intro h; constructor <;> exact h").done
    assert prove("(p q : Prop) : p ∧ q → q ∧ p", "intro h\nobtain ⟨a, b⟩ := h\nexact ⟨b, a⟩").done


def test_a_failing_part_makes_the_whole_step_fail(prove: Prove) -> None:
    p = prove("(p q : Prop) : p ∨ q → q ∨ p")
    with pytest.raises(TacticError):
        p.step("intro h; exact h")
    assert p.tactics == [] and p.text() == "p q : Prop\n⊢ p ∨ q → q ∨ p"


def test_lean4_structured_cases_and_induction(prove: Prove) -> None:
    assert prove(
        "(p q : Prop) : p ∨ q → q ∨ p",
        "intro h",
        "cases h with | inl a => right; exact a | inr b => left; exact b",
    ).done
    assert prove(
        "(n : Nat) : 0 + n = n",
        "induction n with | zero => rfl | succ k ih => rw [add_succ, ih]",
        lemmas=True,
    ).done
    assert prove("(p q : Prop) : p ∧ q → q ∧ p", "intro h", "cases h with | intro a b => exact ⟨b, a⟩").done


def test_structured_alternatives_must_close_their_goal_and_exist(prove: Prove) -> None:
    p = prove("(p q : Prop) : p ∨ q → q ∨ p", "intro h")
    with pytest.raises(TacticError, match="unsolved goals in alternative 'inl'"):
        p.step("cases h with | inl a => right | inr b => left; exact b")
    with pytest.raises(TacticError, match="alternative 'inr' has not been provided"):
        p.step("cases h with | inl a => right; exact a")
    with pytest.raises(TacticError, match="invalid alternative"):
        p.step("cases h with | inl a => right; exact a | foo => trivial | inr b => left; exact b")
    assert p.tactics == ["intro h"]


def test_intro_renaming_never_captures(prove: Prove) -> None:
    p = prove("∀ p : Prop, ∀ q : Prop, p → q → p", "intro q")
    assert p.text() == "q : Prop\n⊢ ∀ q_1 : Prop, q → q_1 → q"
    p.step("intro r hq hr")
    p.step("exact hq")
    assert p.done
    n = prove("∀ x : Nat, ∀ y : Nat, x = y → y = x", "intro y")
    assert n.text() == "y : Nat\n⊢ ∀ y_1 : Nat, y = y_1 → y_1 = y"


def test_rintro_destructures_while_introducing(prove: Prove) -> None:
    p = prove("(p q r : Prop) : (p ∧ q) ∨ r → r ∨ p", "rintro (⟨hp, hq⟩ | hr)")
    assert "case inl" in p.text() and "hq : q" in p.text() and "hr : r" in p.text()
    for t in ["right", "exact hp", "left", "exact hr"]:
        p.step(t)
    assert p.done
    assert prove("(P : Nat → Prop) (q : Prop) : (∃ x, P x) → q → q", "rintro ⟨x, hx⟩ hq", "exact hq").done


def test_lean_and_mathlib_lemma_names_resolve(prove: Prove) -> None:
    assert prove("(a b c : Nat) : a * (b + c) = a * b + a * c", "rw [Nat.mul_add]", lemmas=True).done
    assert prove("(a b : Nat) : a + b = b + a", "exact Nat.add_comm a b", lemmas=True).done
