"""Fixtures for the lemma world tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pworlds.worlds.lemma.prover import Prover, parse_statement
from pworlds.worlds.lemma.theorems import lemmas_before


@pytest.fixture
def prove() -> Callable[..., Prover]:
    """``prove("(p : Prop) : p → p", "intro h", "exact h")`` runs the tactics and returns the prover."""

    def run(statement: str, *tactics: str, lemmas: bool = False) -> Prover:
        prover = Prover(parse_statement(statement), lemmas_before(None) if lemmas else {})
        for t in tactics:
            prover.step(t)
        return prover

    return run
