"""Statements parse in Lean syntax (and ASCII); errors say what is wrong and at which column."""

from __future__ import annotations

import pytest

from pworlds.worlds.lemma.parser import LemmaSyntaxError, parse_formula
from pworlds.worlds.lemma.printer import formula_str
from pworlds.worlds.lemma.prover import parse_statement
from pworlds.worlds.lemma.syntax import NAT, PROP, And, Forall, Imp, Pred, PropSort, convertible


def test_unicode_statement_parses_to_nested_quantifiers() -> None:
    f = parse_formula("∀ p q : Prop, p ∧ q → q ∧ p")
    assert isinstance(f, Forall) and f.sort == PROP
    inner = f.body
    assert isinstance(inner, Forall) and isinstance(inner.body, Imp)
    assert inner.body.left == And(Pred("p"), Pred("q"))


def test_ascii_spelling_is_the_same_formula() -> None:
    assert parse_formula("forall p q : Prop, p /\\ q -> q /\\ p") == parse_formula(
        "∀ p q : Prop, p ∧ q → q ∧ p"
    )
    assert parse_formula("forall p : Prop, ~p <-> (p -> False)") == parse_formula(
        "∀ p : Prop, ¬p ↔ (p → False)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "∀ p q r : Prop, (p → q) → (q → r) → p → r",
        "∀ n : Nat, n + 0 = n",
        "∀ a b c : Nat, a * (b + c) = a * b + a * c",
        "∀ P : Nat → Prop, (∀ x : Nat, P x) → P 0",
        "∀ p : Prop, ¬¬p → p",
        "∃ n : Nat, n + n = 4",
        "∀ n : Nat, succ n ≠ 0",
        "∀ p q : Prop, p ∨ q ∧ p → (∀ x : Nat, x = x) ∨ q",
    ],
)
def test_printing_round_trips(text: str) -> None:
    f = parse_formula(text)
    assert parse_formula(formula_str(f)) == f


def test_arrow_is_right_associative_and_binds_looser_than_and() -> None:
    f = parse_formula("∀ p q r : Prop, p ∧ q → r → p")
    body = f.body.body.body  # type: ignore[union-attr]
    assert isinstance(body, Imp) and isinstance(body.left, And) and isinstance(body.right, Imp)


def test_untyped_binder_defaults_to_nat_and_predicates_have_arity() -> None:
    f = parse_formula("∀ P : Nat → Nat → Prop, ∀ x y, P x y")
    assert isinstance(f, Forall) and f.sort == PropSort(2)
    assert f.body.sort == NAT  # type: ignore[union-attr]


def test_lean_parameters_form() -> None:
    s = parse_statement("(p q : Prop) (n : Nat) : p → n = n")
    assert s.params == (("p", PROP), ("q", PROP), ("n", NAT))
    assert s.lean() == "(p q : Prop) (n : Nat) : p → n = n"
    assert convertible(s.closed, parse_formula("∀ p q : Prop, ∀ n : Nat, p → n = n"))


def test_parenthesised_formula_is_not_mistaken_for_parameters() -> None:
    s = parse_statement("(∀ p : Prop, p → p) → True")
    assert s.params == ()


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("∀ p : Prop, p ∧ q", 17, "unknown identifier 'q'"),
        ("∀ p : Prop p", 13, "expected ','"),
        ("∀ n : Nat, n + 1", 14, "expected a proposition"),
        ("∀ p : Prop, p + p = p", 13, "expected a natural number"),
        ("∀ p : Prop, (p → p", 19, "expected ')'"),
        ("p $ q", 3, "unexpected character"),
        ("", 1, "empty statement"),
        ("∀ P : Nat → Prop, P", 19, "expected a proposition"),
        ("∀ P : Nat → Prop, P 1 2", 19, "takes 1 argument"),
        ("∀ a b : Nat, a = b = a", 20, "not associative"),
    ],
)
def test_errors_name_the_column(text: str, column: int, words: str) -> None:
    with pytest.raises(LemmaSyntaxError) as info:
        parse_statement(text)
    assert info.value.column == column, str(info.value)
    assert words in str(info.value)
    assert str(info.value).startswith(f"column {column}:")
