"""``rw [h, ← h']`` (at a hypothesis) and ``simp [lemmas]``: rewriting with equations, proved by Leibniz
substitution so the kernel re-checks every step.

``simp`` rewrites to a fixed point with the library lemmas tagged ``simp`` (plus any given in brackets),
normalising ``+``/``*`` by their definitions as it goes; lemmas whose two sides are permutations of each
other (``a + b = b + a``) are used as *ordered* rewrites (only when the result is smaller in a fixed term
order), which terminates and yields AC-normal forms. It closes the goal when it becomes ``a = a`` or
``True``; ``succ a = succ b`` is reduced to ``a = b``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from pworlds.worlds.lemma.elaborate import (
    Elaborator,
    TacticError,
    instantiate,
    instantiate_term,
    match_term,
    peel,
    symm_proof,
)
from pworlds.worlds.lemma.goals import Goal, ProofState
from pworlds.worlds.lemma.kernel import App, Hole, Hyp, IffI, Inst, Lam, Let, Proof, Refl, Subst, TopI
from pworlds.worlds.lemma.parser import Node, NodeStream
from pworlds.worlds.lemma.printer import formula_str, term_str
from pworlds.worlds.lemma.syntax import (
    Add,
    And,
    Eq,
    Exists,
    Forall,
    Formula,
    Iff,
    Imp,
    Mul,
    Not,
    Or,
    Pred,
    Succ,
    Term,
    Top,
    Var,
    Zero,
    all_names,
    alpha_key,
    fresh,
    norm_term,
    term_vars,
)

SIMP_LIMIT = 200


@dataclass
class Rule:
    """An instantiable equation ``∀ metas, premises → lhs = rhs`` with the proof of its closed form."""

    proof: Proof
    steps: list[tuple[str, object]]
    metas: set[str]
    lhs: Term
    rhs: Term
    reverse: bool
    label: str

    def build(
        self, sol: Mapping[str, object], state: ProofState, goal: Goal
    ) -> tuple[ProofState, Proof, list[Goal]]:
        """The proof of ``lhs = rhs`` instantiated by ``sol`` (side goals for premises)."""
        proof, goals = self.proof, []
        for kind, value in self.steps:
            if kind == "inst":
                proof = Inst(proof, sol[value])  # type: ignore[index]
            else:
                state, g = state.new_goal(goal, target=instantiate(value, sol), case=None)  # type: ignore[arg-type]
                goals.append(g)
                proof = App(proof, Hole(g.id))
        return state, proof, goals


def make_rule(proof: Proof, typ: Formula, reverse: bool, label: str) -> Rule:
    ways = peel(typ, 16)
    way = ways[-1]
    if not isinstance(way.conclusion, Eq):
        raise TacticError(f"rewrite: {label} is not an equation (it proves {formula_str(typ)})")
    lhs, rhs = way.conclusion.left, way.conclusion.right
    if reverse:
        lhs, rhs = rhs, lhs
    return Rule(proof, way.steps, set(way.metas), lhs, rhs, reverse, label)


# ----------------------------------------------------------------------------------------------- traversal
def subterms(f: Formula, bound: frozenset[str] = frozenset()) -> Iterator[Term]:
    """Subterms of ``f`` free of bound variables, outermost first, left to right."""
    if isinstance(f, Eq):
        yield from _sub_t(f.left, bound)
        yield from _sub_t(f.right, bound)
    elif isinstance(f, Pred):
        for a in f.args:
            yield from _sub_t(a, bound)
    elif isinstance(f, Not):
        yield from subterms(f.arg, bound)
    elif isinstance(f, (And, Or, Imp, Iff)):
        yield from subterms(f.left, bound)
        yield from subterms(f.right, bound)
    elif isinstance(f, (Forall, Exists)):
        yield from subterms(f.body, bound | {f.var})


def _sub_t(t: Term, bound: frozenset[str]) -> Iterator[Term]:
    if not (term_vars(t) & bound):
        yield t
    if isinstance(t, Succ):
        yield from _sub_t(t.arg, bound)
    elif isinstance(t, (Add, Mul)):
        yield from _sub_t(t.left, bound)
        yield from _sub_t(t.right, bound)


def replace_term(t: Term, old: Term, new: Term) -> Term:
    if t == old:
        return new
    if isinstance(t, Succ):
        return Succ(replace_term(t.arg, old, new))
    if isinstance(t, Add):
        return Add(replace_term(t.left, old, new), replace_term(t.right, old, new))
    if isinstance(t, Mul):
        return Mul(replace_term(t.left, old, new), replace_term(t.right, old, new))
    return t


def abstract(f: Formula, old: Term, new: Term) -> Formula:
    """Replace every occurrence of ``old`` that is not under a binder capturing its variables."""
    if isinstance(f, Eq):
        return Eq(replace_term(f.left, old, new), replace_term(f.right, old, new))
    if isinstance(f, Pred):
        return Pred(f.name, tuple(replace_term(a, old, new) for a in f.args))
    if isinstance(f, Not):
        return Not(abstract(f.arg, old, new))
    if isinstance(f, (And, Or, Imp, Iff)):
        return type(f)(abstract(f.left, old, new), abstract(f.right, old, new))
    if isinstance(f, (Forall, Exists)):
        if f.var in term_vars(old) or f.var in term_vars(new):
            return f
        return type(f)(f.var, f.sort, abstract(f.body, old, new))
    return f


def _find(rule: Rule, target: Formula, ordered: bool) -> tuple[dict, Term, Term] | None:
    for sub in subterms(target):
        sol: dict = {}
        if match_term(rule.lhs, sub, rule.metas, sol, {}, set()):
            if not set(term_vars(rule.rhs)) & rule.metas <= set(sol):
                continue
            lhs, rhs = instantiate_term(rule.lhs, sol), instantiate_term(rule.rhs, sol)
            if lhs == rhs or (ordered and not term_less(rhs, lhs)):
                continue
            return sol, lhs, rhs
    return None


def rewrite_step(
    state: ProofState, goal: Goal, rule: Rule, ordered: bool = False
) -> tuple[ProofState, Formula, Proof, list[Goal]] | None:
    """Rewrite the first match of ``rule`` in the goal's target. Returns (state, new target, proof of the old
    target with a hole ``?new`` standing for a proof of the new one — caller fills it, side goals)."""
    found = _find(rule, goal.target, ordered)
    if found is None:
        return None
    sol, lhs, rhs = found
    state, eq, side = rule.build(sol, state, goal)
    # eq : L = R where (L, R) is (lhs, rhs) unless the rule is reversed, then it is (rhs, lhs)
    taken = goal.names() | all_names(goal.target) | term_vars(lhs) | term_vars(rhs)
    x = fresh("x", taken)
    motive = abstract(goal.target, lhs, Var(x))
    new_target = abstract(goal.target, lhs, rhs)
    rhs_to_lhs = eq if rule.reverse else symm_proof(eq, lhs, taken)  # proof of rhs = lhs
    proof = Subst(rhs_to_lhs, x, motive, Hole(-1))
    return state, new_target, proof, side


def _plug(p: Proof, value: Proof) -> Proof:
    """Replace the placeholder ``Hole(-1)`` of a rewrite proof."""
    if isinstance(p, Subst) and isinstance(p.arg, Hole) and p.arg.id == -1:
        return replace(p, arg=value)
    raise AssertionError("rewrite proof without placeholder")


def _rules(s: NodeStream, goal: Goal, lemmas: Mapping[str, Formula], what: str) -> list[Rule]:
    el = Elaborator(goal, lemmas)
    rules: list[Rule] = []
    s.expect("[", f"after {what}")
    if s.at("]"):
        s.take()
        return rules
    while True:
        reverse = False
        if s.at("←"):
            s.take()
            reverse = True
        node: Node = s.expr()
        proof, typ = el.infer(node)
        rules.append(make_rule(proof, typ, reverse, formula_str(typ)))
        if s.at(","):
            s.take()
            continue
        s.expect("]", f"to close the {what} list")
        return rules


def _closes_by_rfl(target: Formula) -> bool:
    if isinstance(target, Eq):
        return norm_term(target.left) == norm_term(target.right)
    if isinstance(target, Iff):
        return alpha_key(target.left) == alpha_key(target.right)
    return False


def _rfl_proof(target: Formula, goal: Goal) -> Proof:
    if isinstance(target, Eq):
        return Refl(target.left)
    h = goal.fresh("h")
    return IffI(Lam(h, target.left, Hyp(h)), Lam(h, target.right, Hyp(h)))  # type: ignore[union-attr]


def rewrite_tactic(state: ProofState, goal: Goal, s: NodeStream, lemmas: Mapping[str, Formula]) -> ProofState:
    rules = _rules(s, goal, lemmas, "rw")
    at: str | None = None
    if s.tok.kind == "ident" and s.tok.text == "at":
        s.take()
        at = s.take().text
        if goal.hyp(at) is None:
            raise TacticError(f"rw: unknown hypothesis '{at}'")
    if not s.done():
        raise TacticError(f"rw: unexpected {s.found()}")
    if not rules:
        raise TacticError("rw: give at least one equation, e.g. rw [h]")
    if at is not None:
        return _rewrite_hyp(state, goal, rules, at)
    side_goals: list[Goal] = []
    wraps: list[Proof] = []
    cur = goal
    for rule in rules:
        step = rewrite_step(state, cur, rule)
        if step is None:
            raise TacticError(
                "tactic 'rewrite' failed, did not find instance of the pattern in the target expression "
                f"{term_str(rule.lhs).replace('?', '')}"
            )
        state, new_target, proof, side = step
        wraps.append(proof)
        side_goals += side
        cur = replace(cur, target=new_target)
    if _closes_by_rfl(cur.target):
        inner: Proof = _rfl_proof(cur.target, cur)
        new_goals = side_goals
    else:
        state, g = state.new_goal(cur)
        inner, new_goals = Hole(g.id), [g, *side_goals]
    for w in reversed(wraps):
        inner = _plug(w, inner)
    return state.close(goal, inner, new_goals)


def _rewrite_hyp(state: ProofState, goal: Goal, rules: list[Rule], name: str) -> ProofState:
    typ = goal.hyp(name)
    assert typ is not None
    value: Proof = Hyp(name)
    side_goals: list[Goal] = []
    for rule in rules:
        probe = replace(goal, target=typ)
        found = _find(rule, typ, False)
        if found is None:
            raise TacticError(
                "tactic 'rewrite' failed, did not find instance of the pattern "
                f"{term_str(rule.lhs).replace('?', '')} in {name}"
            )
        sol, lhs, rhs = found
        state, eq, side = rule.build(sol, state, probe)
        side_goals += side
        taken = goal.names() | all_names(typ) | term_vars(lhs) | term_vars(rhs)
        x = fresh("x", taken)
        lhs_to_rhs = symm_proof(eq, rhs, taken) if rule.reverse else eq
        value = Subst(lhs_to_rhs, x, abstract(typ, lhs, Var(x)), value)
        typ = abstract(typ, lhs, rhs)
    g = replace(goal, ctx=tuple((n, typ if n == name else t) for n, t in goal.ctx))
    state, ng = state.new_goal(g)
    return state.close(goal, Let(name, typ, value, Hole(ng.id)), [ng, *side_goals])


# ----------------------------------------------------------------------------------------------- simp
def term_size(t: Term) -> int:
    if isinstance(t, (Var, Zero)):
        return 1
    if isinstance(t, Succ):
        return 1 + term_size(t.arg)
    return 1 + term_size(t.left) + term_size(t.right)  # type: ignore[union-attr]


def _tkey(t: Term) -> tuple:
    if isinstance(t, Var):
        return (1, t.name)
    if isinstance(t, Zero):
        return (0,)
    if isinstance(t, Succ):
        return (2, _tkey(t.arg))
    return (4 if isinstance(t, Add) else 3, _tkey(t.left), _tkey(t.right))  # type: ignore[union-attr]


def term_less(a: Term, b: Term) -> bool:
    """A total order on terms (size, then structure): the order of ordered rewriting."""
    return (term_size(a), _tkey(a)) < (term_size(b), _tkey(b))


def _shape(t: Term) -> tuple:
    if isinstance(t, Var):
        return ("v",)
    if isinstance(t, Zero):
        return ("0",)
    if isinstance(t, Succ):
        return ("S", _shape(t.arg))
    return (type(t).__name__, _shape(t.left), _shape(t.right))  # type: ignore[union-attr]


def _is_permutative(rule: Rule) -> bool:
    """``a + b = b + a``-like rules (same shape, variables permuted) are applied only when they decrease
    the term order; everything else (``add_assoc``, ``zero_add``) is applied unconditionally."""
    return _shape(rule.lhs) == _shape(rule.rhs) and term_vars(rule.lhs) == term_vars(rule.rhs)


def _norm_formula(f: Formula) -> Formula:
    if isinstance(f, Eq):
        return Eq(norm_term(f.left), norm_term(f.right))
    if isinstance(f, Pred):
        return Pred(f.name, tuple(norm_term(a) for a in f.args))
    if isinstance(f, Not):
        return Not(_norm_formula(f.arg))
    if isinstance(f, (And, Or, Imp, Iff)):
        return type(f)(_norm_formula(f.left), _norm_formula(f.right))
    if isinstance(f, (Forall, Exists)):
        return type(f)(f.var, f.sort, _norm_formula(f.body))
    return f


def simp_tactic(state: ProofState, goal: Goal, s: NodeStream, lemmas: Mapping[str, Formula]) -> ProofState:
    only = False
    if s.tok.kind == "ident" and s.tok.text == "only":
        s.take()
        only = True
    extra = _rules(s, goal, lemmas, "simp") if s.at("[") else []
    if not s.done():
        raise TacticError(f"simp: unexpected {s.found()}")
    rules = list(extra)
    if not only:
        from pworlds.worlds.lemma.theorems import SIMP_LEMMAS

        for name in SIMP_LEMMAS:
            if name in lemmas:
                from pworlds.worlds.lemma.kernel import Lemma

                rules.append(make_rule(Lemma(name), lemmas[name], False, name))
    start = goal.target
    cur = replace(goal, target=_norm_formula(goal.target))
    wraps: list[Proof] = []
    side_goals: list[Goal] = []
    for _ in range(SIMP_LIMIT):
        progressed = False
        for rule in rules:
            step = rewrite_step(state, cur, rule, ordered=_is_permutative(rule))
            if step is None:
                continue
            state, new_target, proof, side = step
            wraps.append(proof)
            side_goals += side
            cur = replace(cur, target=_norm_formula(new_target))
            progressed = True
            break
        if not progressed:
            break
    else:
        raise TacticError("simp failed: maximum number of steps exceeded (the lemmas may loop)")
    target = cur.target
    inner: Proof
    # succ a = succ b  ⇝  a = b
    while isinstance(target, Eq) and isinstance(target.left, Succ) and isinstance(target.right, Succ):
        a, b = target.left.arg, target.right.arg
        x = fresh("x", cur.names() | all_names(target))
        wraps.append(Subst(Hole(-1), x, Eq(Succ(a), Succ(Var(x))), Refl(Succ(a))))
        target = Eq(a, b)
        cur = replace(cur, target=target)
    if _closes_by_rfl(target) or isinstance(target, Top):
        inner = TopI() if isinstance(target, Top) else _rfl_proof(target, cur)
        new_goals = side_goals
    else:
        if alpha_key(target) == alpha_key(start) and not side_goals:
            raise TacticError("simp made no progress")
        state, g = state.new_goal(cur)
        inner, new_goals = Hole(g.id), [g, *side_goals]
    for w in reversed(wraps):
        inner = _plug_any(w, inner)
    return state.close(goal, inner, new_goals)


def _plug_any(p: Proof, value: Proof) -> Proof:
    if isinstance(p, Subst) and isinstance(p.eq, Hole) and p.eq.id == -1:
        return replace(p, eq=value)
    return _plug(p, value)


_unused = (Let,)
