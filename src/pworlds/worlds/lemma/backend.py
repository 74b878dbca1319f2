"""What the lemma world needs from a prover: start a theorem, apply one tactic, show the goals.

Three implementations: the built-in kernel (:class:`BuiltinBackend`), a persistent ``coqtop``
(:mod:`pworlds.worlds.lemma.coq`) and the Lean community REPL (:mod:`pworlds.worlds.lemma.lean`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pworlds.worlds.lemma.prover import Prover, Statement
from pworlds.worlds.lemma.syntax import Formula


class Backend(Protocol):
    """``apply`` raises ``TacticError`` (and changes nothing) when a tactic does not apply."""

    def start(self) -> None: ...
    def apply(self, tactic: str) -> None: ...
    @property
    def done(self) -> bool: ...
    def goal_count(self) -> int: ...
    def text(self) -> str: ...
    def goals(self) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


class BuiltinBackend:
    def __init__(self, statement: Statement, lemmas: Mapping[str, Formula]) -> None:
        self.statement = statement
        self.lemmas = lemmas
        self.prover = Prover(statement, lemmas)

    def start(self) -> None:
        self.prover = Prover(self.statement, self.lemmas)

    def apply(self, tactic: str) -> None:
        self.prover.step(tactic)

    @property
    def done(self) -> bool:
        return self.prover.done

    def goal_count(self) -> int:
        return len(self.prover.state.goals)

    def text(self) -> str:
        return self.prover.text()

    def goals(self) -> list[dict[str, Any]]:
        return self.prover.goals()

    def close(self) -> None:
        pass
