"""Case analysis: ``cases``, ``rcases`` with nested patterns (``⟨a, b⟩``, ``a | b``), ``obtain``.

A pattern destructures a proof of ∧, ↔, ∃, ∨ or False into new hypotheses (∨ splits the goal into ``inl`` and
``inr``); the destructured hypothesis is cleared from the goal, as in Lean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from pworlds.worlds.lemma.elaborate import Elaborator, TacticError, expect_end
from pworlds.worlds.lemma.goals import Goal, ProofState, hole_goal
from pworlds.worlds.lemma.kernel import AndL, AndR, BotE, ExE, Hyp, IffMp, IffMpr, Let, OrE, Proof
from pworlds.worlds.lemma.parser import Node, NodeStream
from pworlds.worlds.lemma.printer import formula_str
from pworlds.worlds.lemma.syntax import NAT, And, Bot, Exists, Formula, Iff, Imp, Or, rename

Lemmas = Mapping[str, Formula]
_end = expect_end
_hole_goal = hole_goal


Pattern = object  # str | ("tuple", [Pattern]) | ("alt", [Pattern])


def read_patterns(s: NodeStream) -> list[Pattern]:
    """Space-separated rintro patterns."""
    out = []
    while not s.done():
        out.append(_parse_pattern_atom(s))
    return out


def pattern_text(p: Pattern) -> str:
    if isinstance(p, str):
        return p
    kind, items = p  # type: ignore[misc]
    if kind == "tuple":
        return "⟨" + ", ".join(pattern_text(i) for i in items) + "⟩"
    return "(" + " | ".join(pattern_text(i) for i in items) + ")"


def _parse_pattern(s: NodeStream) -> Pattern:
    alts = [_parse_pattern_atom(s)]
    while s.at("|"):
        s.take()
        alts.append(_parse_pattern_atom(s))
    return alts[0] if len(alts) == 1 else ("alt", alts)


def _parse_pattern_atom(s: NodeStream) -> Pattern:
    if s.at("⟨"):
        s.take()
        items = [_parse_pattern(s)] if not s.at("⟩") else []
        while s.at(","):
            s.take()
            items.append(_parse_pattern(s))
        s.expect("⟩", "to close the pattern")
        return ("tuple", items)
    if s.at("("):
        s.take()
        p = _parse_pattern(s)
        s.expect(")", "to close the pattern")
        return p
    tok = s.take()
    if tok.kind != "ident":
        raise TacticError(f"rcases: expected a pattern, found {tok.text!r}")
    return tok.text


def _destruct(
    state: ProofState, goal: Goal, proof: Proof, typ: Formula, pat: Pattern, k: Callable
) -> tuple[ProofState, Proof, list[Goal]]:
    """Destructure ``proof : typ`` by ``pat`` in ``goal``; ``k(state, goal)`` finishes each leaf and returns
    (state, proof, goals)."""
    if isinstance(pat, str):
        if pat == "_":
            return k(state, goal)
        if pat == "-":
            return k(state, goal)
        g, wrap = goal.add_hyp(pat, typ)
        st, body, goals = k(state, g)
        return st, wrap(Let(pat, typ, proof, body)), goals
    kind, items = pat  # type: ignore[misc]
    if kind == "tuple":
        if isinstance(typ, Bot):
            return state, BotE(proof, goal.target), []
        if len(items) <= 1:
            return _destruct(state, goal, proof, typ, items[0] if items else "_", k)
        if isinstance(typ, And):
            first, rest = items[0], items[1:]
            rest_pat: Pattern = rest[0] if len(rest) == 1 else ("tuple", rest)
            return _destruct_pair(
                state, goal, AndL(proof), typ.left, first, AndR(proof), typ.right, rest_pat, k
            )
        if isinstance(typ, Iff):
            a, b = items[0], items[1] if len(items) > 1 else "_"
            return _destruct_pair(
                state,
                goal,
                IffMp(proof),
                Imp(typ.left, typ.right),
                a,
                IffMpr(proof),
                Imp(typ.right, typ.left),
                b,
                k,
            )
        if isinstance(typ, Exists):
            first, rest = items[0], items[1:]
            var = goal.fresh(first if isinstance(first, str) and first not in ("_", "-") else typ.var)
            g = replace(goal, ctx=(*goal.ctx, (var, typ.sort)))
            body_t = rename(typ.body, typ.var, var, typ.sort)
            rest_pat = rest[0] if len(rest) == 1 else ("tuple", rest)
            h = g.fresh("✝h")
            g2 = replace(g, ctx=(*g.ctx, (h, body_t)))
            st, body, goals = _destruct(
                state, g2, Hyp(h), body_t, rest_pat, lambda s2, gg: k(s2, gg.without(h))
            )
            return st, ExE(proof, var, h, body), goals
        if isinstance(typ, Or):
            return _destruct(state, goal, proof, typ, ("alt", items), k)
        raise TacticError(f"rcases: cannot destructure a proof of {formula_str(typ)} with ⟨...⟩")
    # alternatives
    if isinstance(typ, Bot):
        return state, BotE(proof, goal.target), []
    if not isinstance(typ, Or):
        if len(items) == 1:
            return _destruct(state, goal, proof, typ, items[0], k)
        raise TacticError(f"rcases: cannot split a proof of {formula_str(typ)} into alternatives")
    left_pat = items[0]
    right_pat: Pattern = items[1] if len(items) == 2 else ("alt", items[1:])
    hl = hr = goal.fresh("✝h")

    def branch(
        st: ProofState, name: str, t: Formula, p: Pattern, case: str
    ) -> tuple[ProofState, Proof, list]:
        g = replace(goal, ctx=(*goal.ctx, (name, t)), case=case)
        return _destruct(st, g, Hyp(name), t, p, lambda s2, gg: k(s2, gg.without(name)))

    state, pl, gl = branch(state, hl, typ.left, left_pat, "inl")
    state, pr, gr = branch(state, hr, typ.right, right_pat, "inr")
    return state, OrE(proof, hl, pl, hr, pr), gl + gr


def _destruct_pair(state, goal, pa, ta, pat_a, pb, tb, pat_b, k):  # type: ignore[no-untyped-def]
    def after_first(st: ProofState, g: Goal) -> tuple[ProofState, Proof, list[Goal]]:
        return _destruct(st, g, pb, tb, pat_b, k)

    return _destruct(state, goal, pa, ta, pat_a, after_first)


def _leaf(state: ProofState, goal: Goal) -> tuple[ProofState, Proof, list[Goal]]:
    state, g, h = _hole_goal(state, goal)
    return state, h, [g]


def _rcases(state: ProofState, goal: Goal, node: Node, pat: Pattern, lemmas: Lemmas) -> ProofState:
    el = Elaborator(goal, lemmas)
    proof, typ = el.infer(node)
    base = goal
    if node.kind == "ident" and goal.hyp(node.value) is not None:
        base = goal.without(node.value)
    new_state, term, goals = _destruct(state, base, proof, typ, pat, _leaf)
    return new_state.close(goal, term, goals)


def _default_pattern(typ: Formula, names: list[str]) -> Pattern:
    it = iter(names)
    if isinstance(typ, And):
        return ("tuple", [next(it, "left"), next(it, "right")])
    if isinstance(typ, Iff):
        return ("tuple", [next(it, "mp"), next(it, "mpr")])
    if isinstance(typ, Exists):
        return ("tuple", [next(it, "w"), next(it, "h")])
    if isinstance(typ, Or):
        return ("alt", [next(it, "h"), next(it, "h")])
    if isinstance(typ, Bot):
        return ("tuple", [])
    raise TacticError(f"cases: cannot do case analysis on {formula_str(typ)} (use induction for Nat)")


def t_cases(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    node = s.expr()
    names: list[str] = []
    if s.tok.kind == "ident" and s.tok.text == "with":
        s.take()
        names = s.names()
    _end(s, "cases")
    if node.kind == "ident" and goal.scope().get(node.value) == NAT:
        raise TacticError("cases on a natural number is not supported; use induction")
    _, typ = Elaborator(goal, lemmas).infer(node)
    return _rcases(state, goal, node, _default_pattern(typ, names), lemmas)


def t_rcases(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    node = s.expr()
    pat: Pattern = "_"
    if s.tok.kind == "ident" and s.tok.text == "with":
        s.take()
        pat = _parse_pattern(s)
    _end(s, "rcases")
    if pat == "_":
        _, typ = Elaborator(goal, lemmas).infer(node)
        pat = _default_pattern(typ, [])
    return _rcases(state, goal, node, pat, lemmas)


def t_obtain(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    pat = _parse_pattern(s)
    s.expect(":=", "after the obtain pattern")
    node = s.expr()
    _end(s, "obtain")
    return _rcases(state, goal, node, pat, lemmas)
