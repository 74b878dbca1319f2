"""Lean 4-style tactics over :class:`ProofState`. Untrusted: each builds a piece of proof term.

``run_tactic(state, text, lemmas)`` returns the new state or raises :class:`TacticError` with Lean-like text;
the old state is never modified (states are immutable), so a failed tactic leaves the proof untouched.
The tactic acts on the first goal, as in Lean. Leading focus dots (``·``) are accepted and ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from pworlds.worlds.lemma.destructuring import t_cases, t_obtain, t_rcases
from pworlds.worlds.lemma.elaborate import (
    Elaborator,
    TacticError,
    as_imp,
    expect_end,
    instantiate,
    match_formula,
    peel,
)
from pworlds.worlds.lemma.goals import Goal, ProofState, hole_goal, is_sort
from pworlds.worlds.lemma.kernel import (
    AndI,
    AndL,
    AndR,
    App,
    BotE,
    ExI,
    Gen,
    Hole,
    Hyp,
    IffI,
    IffMp,
    IffMpr,
    Ind,
    Inst,
    Lam,
    Let,
    OrIL,
    OrIR,
    Proof,
    Refl,
    TopI,
    ZeroNeSucc,
)
from pworlds.worlds.lemma.parser import LemmaSyntaxError, NodeStream
from pworlds.worlds.lemma.printer import formula_str
from pworlds.worlds.lemma.rewriting import rewrite_tactic, simp_tactic
from pworlds.worlds.lemma.syntax import (
    BOT,
    NAT,
    And,
    Bot,
    Eq,
    Exists,
    Forall,
    Formula,
    Iff,
    Imp,
    Not,
    Or,
    Succ,
    Top,
    Var,
    Zero,
    alpha_key,
    convertible,
    free_names,
    fresh,
    norm_term,
    rename,
    subst,
)

Lemmas = Mapping[str, Formula]
TACTICS = (
    "intro", "intros", "exact", "apply", "assumption", "constructor", "left", "right", "cases", "cases'",
    "rcases", "obtain", "exfalso", "contradiction", "have", "show", "rfl", "rw", "rewrite", "symm",
    "induction", "induction'", "exists", "use", "trivial", "simp", "specialize", "rintro",
)  # fmt: skip


def run_single(state: ProofState, text: str, lemmas: Lemmas) -> ProofState:
    """One tactic (no combinators) on the first goal."""
    text = text.strip().lstrip("·.").strip()
    if not text:
        raise TacticError("empty tactic")
    if not state.goals:
        raise TacticError("no goals to be proved")
    name, _, rest = text.partition(" ")
    handler = _HANDLERS.get(name)
    if handler is None:
        raise TacticError(f"unknown tactic '{name}'; available: {', '.join(TACTICS)}")
    try:
        return handler(state, state.goals[0], NodeStream(rest), lemmas)
    except LemmaSyntaxError as exc:
        raise TacticError(f"{name}: column {exc.column + len(name) + 1}: {exc.message}") from exc


_end = expect_end
_hole_goal = hole_goal


# ----------------------------------------------------------------------------------------------- intro
def _intro_one(state: ProofState, goal: Goal, name: str | None) -> tuple[ProofState, Goal, Proof, Hole]:
    """Returns (state, new goal, proof for ``goal`` containing the hole, hole)."""
    target = goal.target
    imp = as_imp(target)
    if imp:
        g, wrap = goal.add_hyp(name or goal.fresh("h"), imp[0])
        used = g.ctx[-1][0]
        state, ng, hole = _hole_goal(state, g, target=imp[1])
        return state, ng, wrap(Lam(used, imp[0], hole)), hole
    if isinstance(target, Forall):
        g, used = goal.add_var(name or target.var, target.sort)
        state, ng, hole = _hole_goal(state, g, target=rename(target.body, target.var, used, target.sort))
        return state, ng, Gen(used, target.sort, hole), hole
    raise TacticError(f"no additional binders to introduce: the goal is {formula_str(target)}")


def _intros(state: ProofState, goal: Goal, names: list[str | None]) -> ProofState:
    assign = dict(state.assign)
    current = goal
    for name in names:
        state, ng, proof, _ = _intro_one(state, current, name)
        assign[current.id] = proof
        current = ng
    rest = tuple(g for g in state.goals if g.id != goal.id)
    return ProofState((current, *rest), assign, state.next_id)


def t_intro(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    names: list[str | None] = list(s.names()) if not s.done() else [None]
    _end(s, "intro")
    return _intros(state, goal, names)


def t_intros(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    if not s.done():
        names: list[str | None] = list(s.names())
        _end(s, "intros")
        return _intros(state, goal, names)
    count, t = 0, goal.target
    while as_imp(t) or isinstance(t, Forall):
        imp = as_imp(t)
        t = imp[1] if imp else t.body  # type: ignore[union-attr]
        count += 1
    return _intros(state, goal, [None] * count)


# ----------------------------------------------------------------------------------------------- exact / apply
def t_exact(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    node = s.expr()
    _end(s, "exact")
    return state.close(goal, Elaborator(goal, lemmas).check(node, goal.target), [])


def t_apply(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    node = s.expr()
    _end(s, "apply")
    proof, typ = Elaborator(goal, lemmas).infer(node)
    for way in peel(typ, 16):
        sol: dict = {}
        if not match_formula(way.conclusion, goal.target, set(way.metas), sol):
            continue
        if not convertible(instantiate(way.conclusion, sol), goal.target):
            continue
        missing = set(way.metas) - set(sol)
        if missing:
            names = ", ".join(sorted(m.lstrip("?").rstrip("0123456789") for m in missing))
            raise TacticError(
                f"apply: cannot infer {names}; give it explicitly, e.g. apply h _ (write the term)"
            )
        new_goals = []
        for kind, value in way.steps:
            if kind == "inst":
                proof = Inst(proof, sol[value])  # type: ignore[index]
            else:
                premise = instantiate(value, sol)  # type: ignore[arg-type]
                state, g, hole = _hole_goal(state, goal, target=premise, case=None)
                new_goals.append(g)
                proof = App(proof, hole)
        return state.close(goal, proof, new_goals)
    raise TacticError(
        f"apply failed: could not unify the conclusion of {formula_str(typ)} with the goal {formula_str(goal.target)}"
    )


def t_assumption(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    _end(s, "assumption")
    for name, typ in reversed(goal.hyps()):
        if convertible(typ, goal.target):
            return state.close(goal, Hyp(name), [])
    raise TacticError("tactic 'assumption' failed: no hypothesis matches the goal")


def t_trivial(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    _end(s, "trivial")
    t = goal.target
    if isinstance(t, Top):
        return state.close(goal, TopI(), [])
    if isinstance(t, Eq) and norm_term(t.left) == norm_term(t.right):
        return state.close(goal, Refl(t.left), [])
    for name, typ in reversed(goal.hyps()):
        if convertible(typ, t):
            return state.close(goal, Hyp(name), [])
    raise TacticError("trivial failed: the goal is not True, an equation by rfl, or an assumption")


# ----------------------------------------------------------------------------------------------- connectives
def t_constructor(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    _end(s, "constructor")
    t = goal.target
    if isinstance(t, Top):
        return state.close(goal, TopI(), [])
    if isinstance(t, And):
        state, a, ha = _hole_goal(state, goal, target=t.left, case="left")
        state, b, hb = _hole_goal(state, goal, target=t.right, case="right")
        return state.close(goal, AndI(ha, hb), [a, b])
    if isinstance(t, Iff):
        state, a, ha = _hole_goal(state, goal, target=Imp(t.left, t.right), case="mp")
        state, b, hb = _hole_goal(state, goal, target=Imp(t.right, t.left), case="mpr")
        return state.close(goal, IffI(ha, hb), [a, b])
    if isinstance(t, Exists):
        raise TacticError("constructor: give the witness with `exists t` or `use t`")
    raise TacticError(
        f"constructor failed: the goal {formula_str(t)} is not an inductive type with constructors"
    )


def _or_side(state: ProofState, goal: Goal, s: NodeStream, left: bool) -> ProofState:
    _end(s, "left" if left else "right")
    t = goal.target
    if not isinstance(t, Or):
        raise TacticError(
            f"{'left' if left else 'right'} failed: the goal {formula_str(t)} is not a disjunction"
        )
    state, g, h = _hole_goal(state, goal, target=t.left if left else t.right, case="h")
    return state.close(goal, OrIL(h, t.right) if left else OrIR(t.left, h), [g])


def t_left(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    return _or_side(state, goal, s, True)


def t_right(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    return _or_side(state, goal, s, False)


def t_exfalso(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    _end(s, "exfalso")
    state, g, h = _hole_goal(state, goal, target=BOT)
    return state.close(goal, BotE(h, goal.target), [g])


def t_contradiction(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    _end(s, "contradiction")
    hyps = goal.hyps()
    for name, typ in hyps:
        if isinstance(typ, Bot):
            return state.close(goal, BotE(Hyp(name), goal.target), [])
        if isinstance(typ, Eq):
            left, right = norm_term(typ.left), norm_term(typ.right)
            if isinstance(left, Zero) and isinstance(right, Succ):
                return state.close(goal, BotE(ZeroNeSucc(Hyp(name)), goal.target), [])
        if (
            isinstance(typ, Not)
            and isinstance(typ.arg, Eq)
            and norm_term(typ.arg.left) == norm_term(typ.arg.right)
        ):
            return state.close(goal, BotE(App(Hyp(name), Refl(typ.arg.left)), goal.target), [])
    for name, typ in hyps:
        imp = as_imp(typ)
        if imp and isinstance(imp[1], Bot):
            for other, t2 in hyps:
                if convertible(t2, imp[0]):
                    return state.close(goal, BotE(App(Hyp(name), Hyp(other)), goal.target), [])
    raise TacticError(
        "tactic 'contradiction' failed: no False, no h : ¬p with p, no 0 = succ n among the hypotheses"
    )


# ----------------------------------------------------------------------------------------------- have / show
def t_have(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    name = "this"
    if s.tok.kind == "ident":
        name = s.take().text
    typ: Formula | None = None
    el = Elaborator(goal, lemmas)
    if s.at(":"):
        s.take()
        typ = el.formula(s.expr())
    if s.at(":="):
        s.take()
        node = s.expr()
        _end(s, "have")
        if typ is None:
            value, typ = el.infer(node)
        else:
            value = el.check(node, typ)
        g, wrap = goal.add_hyp(name, typ)
        state, ng, hole = _hole_goal(state, g)
        return state.close(goal, wrap(Let(name, typ, value, hole)), [ng])
    _end(s, "have")
    if typ is None:
        raise TacticError("have: give a type (have h : p) or a proof (have h := e)")
    state, side, hside = _hole_goal(state, goal, target=typ, case=None)
    g, wrap = goal.add_hyp(name, typ)
    state, ng, hole = _hole_goal(state, g)
    return state.close(goal, wrap(Let(name, typ, hside, hole)), [side, ng])


def t_specialize(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    node = s.expr()
    _end(s, "specialize")
    if node.kind != "app" or node.children[0].kind != "ident" or goal.hyp(node.children[0].value) is None:
        raise TacticError("specialize: expected a hypothesis applied to arguments, e.g. specialize h x")
    name = node.children[0].value
    value, typ = Elaborator(goal, lemmas).infer(node)
    g = replace(goal, ctx=tuple((n, typ if n == name else t) for n, t in goal.ctx))
    state, ng, hole = _hole_goal(state, g)
    return state.close(goal, Let(name, typ, value, hole), [ng])


def t_show(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    typ = Elaborator(goal, lemmas).formula(s.expr())
    _end(s, "show")
    if not convertible(typ, goal.target):
        raise TacticError(
            f"type mismatch: show {formula_str(typ)} does not match the goal {formula_str(goal.target)}"
        )
    state, g, h = _hole_goal(state, goal, target=typ)
    return state.close(goal, h, [g])


def t_rfl(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    _end(s, "rfl")
    t = goal.target
    if isinstance(t, Iff) and convertible(t.left, t.right):
        x = goal.fresh("h")
        return state.close(goal, IffI(Lam(x, t.left, Hyp(x)), Lam(x, t.right, Hyp(x))), [])
    if not isinstance(t, Eq):
        raise TacticError(f"The rfl tactic failed: the goal {formula_str(t)} is not an equation")
    return state.close(goal, Elaborator(goal, lemmas)._rfl(t), [])


def t_symm(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    from pworlds.worlds.lemma.elaborate import symm_proof

    _end(s, "symm")
    t = goal.target
    if not isinstance(t, Eq):
        raise TacticError(f"symm failed: the goal {formula_str(t)} is not an equation")
    state, g, h = _hole_goal(state, goal, target=Eq(t.right, t.left))
    return state.close(goal, symm_proof(h, t.right, goal.names()), [g])


def t_exists(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    t = goal.target
    if not isinstance(t, Exists):
        raise TacticError(f"exists failed: the goal {formula_str(t)} is not an ∃")
    el = Elaborator(goal, lemmas)
    node = s.expr()
    _end(s, "exists")
    w = el.term(node) if t.sort == NAT else el.formula(node)
    body = subst(t.body, t.var, w)
    state, g, h = _hole_goal(state, goal, target=body)
    state = state.close(goal, ExI(t, w, h), [g])
    try:  # Lean's `exists` finishes with `trivial`
        return t_trivial(state, state.goals[0], NodeStream(""), lemmas)
    except TacticError:
        return state


# ----------------------------------------------------------------------------------------------- induction
def t_induction(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    tok = s.take()
    var = tok.text
    given: list[str] = []
    if s.tok.kind == "ident" and s.tok.text == "with":
        s.take()
        given = s.names()
    _end(s, "induction")
    if tok.kind != "ident" or goal.scope().get(var) != NAT:
        raise TacticError(f"induction: '{var}' is not a natural-number variable in the context")
    k_name = given[0] if given else var
    ih_name = given[1] if len(given) > 1 else "ih"
    # revert hypotheses that mention the variable, so the motive carries them
    reverted = [(n, t) for n, t in goal.ctx if not is_sort(t) and var in free_names(t)]
    motive = goal.target
    for _n, t in reversed(reverted):
        motive = Imp(t, motive)
    base_ctx = tuple((n, t) for n, t in goal.ctx if n != var and (n, t) not in reverted)
    hidden = goal.hidden | {var}
    taken = {n for n, _ in base_ctx} | set(goal.hidden)
    k = k_name if k_name == var or k_name not in taken else fresh(k_name, taken | {var})
    ih = fresh(ih_name, taken | {k})
    # zero case
    zero_goal = replace(goal, ctx=base_ctx, target=subst(motive, var, Zero()), case="zero", hidden=hidden)
    state, zg, zh = _hole_goal(state, zero_goal)
    # succ case: ∀ k, motive[k] → motive[succ k]
    motive_k = rename(motive, var, k, NAT) if k != var else motive
    succ_ctx = (*base_ctx, (k, NAT), (ih, motive_k))
    succ_hidden = hidden - {k}
    succ_goal = replace(
        goal, ctx=succ_ctx, target=subst(motive, var, Succ(Var(k))), case="succ", hidden=succ_hidden
    )
    state, sg, sh = _hole_goal(state, succ_goal)
    proof: Proof = Ind(var, motive, zh, Gen(k, NAT, Lam(ih, motive_k, sh)), Var(var))
    for n, _t in reverted:
        proof = App(proof, Hyp(n))
    # re-introduce the reverted hypotheses in both cases (Lean 4 does this automatically)
    new_goals = []
    for g in (zg, sg):
        if reverted:
            state = ProofState((g, *state.goals), state.assign, state.next_id)
            state = _intros(state, g, [n for n, _ in reverted])
            g = state.goals[0]
            state = ProofState(state.goals[1:], state.assign, state.next_id)
        new_goals.append(g)
    return state.close(goal, proof, new_goals)


# ----------------------------------------------------------------------------------------------- rewriting
def t_rw(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    return rewrite_tactic(state, goal, s, lemmas)


def t_simp(state: ProofState, goal: Goal, s: NodeStream, lemmas: Lemmas) -> ProofState:
    return simp_tactic(state, goal, s, lemmas)


_HANDLERS: dict[str, Callable[[ProofState, Goal, NodeStream, Lemmas], ProofState]] = {
    "intro": t_intro,
    "intros": t_intros,
    "exact": t_exact,
    "apply": t_apply,
    "assumption": t_assumption,
    "constructor": t_constructor,
    "left": t_left,
    "right": t_right,
    "cases": t_cases,
    "cases'": t_cases,
    "rcases": t_rcases,
    "obtain": t_obtain,
    "exfalso": t_exfalso,
    "contradiction": t_contradiction,
    "have": t_have,
    "specialize": t_specialize,
    "show": t_show,
    "rfl": t_rfl,
    "rw": t_rw,
    "rewrite": t_rw,
    "symm": t_symm,
    "induction": t_induction,
    "induction'": t_induction,
    "exists": t_exists,
    "use": t_exists,
    "trivial": t_trivial,
    "simp": t_simp,
}

__all__ = ["TACTICS", "TacticError", "run_single"]

_unused = (AndL, AndR, IffMp, IffMpr, Iff, Top, alpha_key)
