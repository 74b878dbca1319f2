"""Hostile input: huge numerals, deep nesting, very long or binary tactics — always a clean invalid step."""

from __future__ import annotations

import pytest

from psignal.errors import UsageError
from psignal.registry import make_world
from pworlds.worlds.lemma import LemmaWorld


def tactic(text: str) -> dict:
    return {"name": "tactic", "arguments": {"tactic": text}}


@pytest.mark.parametrize(
    "text",
    [
        "exists 99999999999",
        "exact " + "(" * 3000 + "h" + ")" * 3000,
        "intro " + "h " * 5000,
        "exact h\x00",
        "rw [" + "h, " * 2000 + "h]",
        "simp [" + ", ".join(["add_comm"] * 50) + "]",
        "exact ⟨⟨⟨⟨⟨⟨⟩⟩⟩⟩⟩⟩",
        "cases h with | | | => =>",
        "induction",
        "rcases h with ⟨a, ⟨b, ⟨c",
        "apply",
        "have : := ",
        ";;;",
        "intro h <;> <;>",
    ],
)
def test_garbage_tactics_are_invalid_steps_not_crashes(text: str) -> None:
    w = LemmaWorld()
    w.reset(task="and_swap")
    w.step(tactic("intro h"))
    before = w.state()
    result = w.step(tactic(text))
    assert not result.valid and result.reward == -0.1
    assert w.state()["world"] == {**before["world"]}


def test_large_arithmetic_is_refused_not_hung() -> None:
    w = make_world("lemma", {"statement": "∃ n : Nat, n = 250 * 250"})
    w.reset()
    assert w.step(tactic("exists 256")).observation["text"] == "⊢ 256 = 250 * 250"
    assert not w.step(tactic("rfl")).valid


def test_oversized_or_deep_statements_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="too large"):
        make_world("lemma", {"statement": "∀ n : Nat, n = 100000"})
    with pytest.raises(UsageError, match="nested too deeply"):
        make_world("lemma", {"statement": "(" * 5000 + "True" + ")" * 5000})
