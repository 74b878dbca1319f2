"""One proof attempt with the built-in backend: statement → goals → tactics → kernel-checked theorem.

This is the glue between the untrusted tactic engine and the kernel: :meth:`Prover.step` applies a tactic
(failing without changing anything), and when no goals are left :meth:`Prover.step` asks the kernel to
check the whole proof term against the statement before reporting success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pworlds.worlds.lemma.combinators import run_tactic
from pworlds.worlds.lemma.goals import Goal, ProofState, goal_json, state_text
from pworlds.worlds.lemma.kernel import Gen, Hole, KernelError, Proof, check
from pworlds.worlds.lemma.parser import LemmaSyntaxError, _Parser, to_formula, to_sort
from pworlds.worlds.lemma.printer import formula_str
from pworlds.worlds.lemma.syntax import Forall, Formula, Sort
from pworlds.worlds.lemma.tactics import TacticError


@dataclass(frozen=True, slots=True)
class Statement:
    """A theorem statement: Lean-style parameters ``(p q : Prop)`` followed by a formula."""

    params: tuple[tuple[str, Sort], ...]
    body: Formula
    text: str

    @property
    def closed(self) -> Formula:
        f = self.body
        for name, sort in reversed(self.params):
            f = Forall(name, sort, f)
        return f

    def lean(self) -> str:
        groups: list[str] = []
        for name, sort in self.params:
            if groups and groups[-1].endswith(f" : {sort})"):
                groups[-1] = groups[-1].replace(f" : {sort})", f" {name} : {sort})")
            else:
                groups.append(f"({name} : {sort})")
        return " ".join([*groups, ":", formula_str(self.body)]) if groups else formula_str(self.body)


def parse_statement(text: str) -> Statement:
    try:
        return _parse_statement(text)
    except RecursionError as exc:
        raise LemmaSyntaxError("statement nested too deeply", 1) from exc


def _parse_statement(text: str) -> Statement:
    """``(p q : Prop) : p → p`` or a plain closed formula ``∀ p : Prop, p → p``; errors carry the column."""
    if not text.strip():
        raise LemmaSyntaxError("empty statement", 1)
    p = _Parser(text)
    params: list[tuple[str, Sort]] = []
    if p.at("(") and p.tokens[1].kind == "ident" and _looks_like_params(p):
        while p.at("("):
            p.take()
            names = p.names()
            p.expect(":", "in a parameter group '(x : T)'")
            sort = to_sort(p.expr(0))
            p.expect(")", "to close the parameter group")
            params += [(n, sort) for n in names]
        p.expect(":", "between the parameters and the statement")
    node = p.expr(0)
    if p.tok.kind != "eof":
        raise LemmaSyntaxError(f"unexpected {p._found()} after the statement", p.tok.pos + 1)
    body = to_formula(node, dict(params))
    return Statement(tuple(params), body, text)


def _looks_like_params(p: _Parser) -> bool:
    """``(a b : T)`` starts with names followed by a colon; ``(p ∧ q)`` does not."""
    i = 1
    while p.tokens[i].kind == "ident":
        i += 1
    return p.tokens[i].kind == "sym" and p.tokens[i].text == ":"


MAX_TACTIC_CHARS = 4000


class Prover:
    def __init__(self, statement: Statement, lemmas: Mapping[str, Formula]) -> None:
        self.statement = statement
        self.lemmas = lemmas
        self.state = self.initial_state()
        self.tactics: list[str] = []

    def initial_state(self) -> ProofState:
        goal = Goal(1, tuple(self.statement.params), self.statement.body)
        root: Proof = Hole(1)
        for name, sort in reversed(self.statement.params):
            root = Gen(name, sort, root)
        return ProofState((goal,), {0: root}, 2)

    @property
    def done(self) -> bool:
        return not self.state.goals

    def step(self, tactic: str) -> None:
        """Apply ``tactic``; raise :class:`TacticError` (state unchanged) when it does not apply or when the
        kernel rejects the finished proof."""
        if len(tactic) > MAX_TACTIC_CHARS:
            raise TacticError(f"tactic is too long ({len(tactic)} characters, at most {MAX_TACTIC_CHARS})")
        try:
            new = run_tactic(self.state, tactic, self.lemmas)
        except RecursionError as exc:
            raise TacticError("term too large or nested too deeply") from exc
        if not new.goals:
            try:
                check(new.term(), self.statement.closed, self.lemmas)
            except KernelError as exc:
                raise TacticError(f"kernel rejected the proof: {exc}") from exc
        self.state = new
        self.tactics.append(tactic)

    def text(self) -> str:
        return state_text(self.state)

    def goals(self) -> list[dict]:
        return [goal_json(g) for g in self.state.goals]


__all__ = ["LemmaSyntaxError", "Prover", "Statement", "TacticError", "parse_statement"]
