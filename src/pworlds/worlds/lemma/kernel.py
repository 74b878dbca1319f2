"""The trusted kernel: natural-deduction proof terms and their type checker.

Tactics never decide that a goal is proved. They build a proof term (with holes for open goals); when no
goals are left the world hands the finished term to :func:`check`, which infers its type from the rules
below and compares it with the statement (up to bound names and the unfolding of ``+``/``*``). A tactic bug
can therefore only make a step fail — it cannot mark a false statement proved. This module imports nothing
from the tactic engine; it is ~250 lines so it can be audited on its own.

Rules (Γ ⊢ p : A):  hypothesis, →I/→E (``¬A`` is ``A → False``), ∀I (the variable must be new, or it
shadows an old one and every hypothesis mentioning the old one becomes unusable), ∀E (a term for a ``Nat``
variable, a formula for a ``Prop`` variable), ∧I/∧E, ∨I/∨E, ⊥E, ⊤I, ↔I/↔E, ∃I/∃E (eigenvariable must not
escape), let, reflexivity, Leibniz substitution, induction on ``Nat``, Peano's ``succ`` injectivity and
``0 ≠ succ n``, and references to library lemmas that were themselves checked by this kernel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pworlds.worlds.lemma.syntax import (
    BOT,
    NAT,
    TOP,
    And,
    Eq,
    Exists,
    Forall,
    Formula,
    Iff,
    Imp,
    Not,
    Or,
    Pred,
    PropSort,
    Sort,
    Succ,
    Term,
    Var,
    Zero,
    convertible,
    free_names,
    norm_term,
    subst,
    term_vars,
)


class KernelError(Exception):
    """The proof term does not prove what it claims."""


# ----------------------------------------------------------------------------------------------- proof terms
@dataclass(frozen=True, slots=True)
class Hyp:
    name: str


@dataclass(frozen=True, slots=True)
class Lemma:
    name: str


@dataclass(frozen=True, slots=True)
class Hole:
    id: int


@dataclass(frozen=True, slots=True)
class Lam:
    name: str
    typ: Formula
    body: Proof


@dataclass(frozen=True, slots=True)
class App:
    fn: Proof
    arg: Proof


@dataclass(frozen=True, slots=True)
class Gen:
    var: str
    sort: Sort
    body: Proof


@dataclass(frozen=True, slots=True)
class Inst:
    fn: Proof
    arg: Term | Formula


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    typ: Formula
    value: Proof
    body: Proof


@dataclass(frozen=True, slots=True)
class AndI:
    left: Proof
    right: Proof


@dataclass(frozen=True, slots=True)
class AndL:
    arg: Proof


@dataclass(frozen=True, slots=True)
class AndR:
    arg: Proof


@dataclass(frozen=True, slots=True)
class OrIL:
    arg: Proof
    other: Formula


@dataclass(frozen=True, slots=True)
class OrIR:
    other: Formula
    arg: Proof


@dataclass(frozen=True, slots=True)
class OrE:
    arg: Proof
    left_name: str
    left: Proof
    right_name: str
    right: Proof


@dataclass(frozen=True, slots=True)
class BotE:
    arg: Proof
    goal: Formula


@dataclass(frozen=True, slots=True)
class TopI:
    pass


@dataclass(frozen=True, slots=True)
class IffI:
    mp: Proof
    mpr: Proof


@dataclass(frozen=True, slots=True)
class IffMp:
    arg: Proof


@dataclass(frozen=True, slots=True)
class IffMpr:
    arg: Proof


@dataclass(frozen=True, slots=True)
class ExI:
    goal: Formula
    witness: Term | Formula
    arg: Proof


@dataclass(frozen=True, slots=True)
class ExE:
    arg: Proof
    var: str
    name: str
    body: Proof


@dataclass(frozen=True, slots=True)
class Refl:
    term: Term


@dataclass(frozen=True, slots=True)
class Subst:
    """From ``eq : a = b`` and ``arg : motive[a/var]`` conclude ``motive[b/var]``."""

    eq: Proof
    var: str
    motive: Formula
    arg: Proof


@dataclass(frozen=True, slots=True)
class Ind:
    """From ``base : motive[0]`` and ``step : ∀ var, motive → motive[succ var/var]`` conclude
    ``motive[target/var]``."""

    var: str
    motive: Formula
    base: Proof
    step: Proof
    target: Term


@dataclass(frozen=True, slots=True)
class SuccInj:
    arg: Proof


@dataclass(frozen=True, slots=True)
class ZeroNeSucc:
    arg: Proof


Proof = (
    Hyp
    | Lemma
    | Hole
    | Lam
    | App
    | Gen
    | Inst
    | Let
    | AndI
    | AndL
    | AndR
    | OrIL
    | OrIR
    | OrE
    | BotE
    | TopI
    | IffI
    | IffMp
    | IffMpr
    | ExI
    | ExE
    | Refl
    | Subst
    | Ind
    | SuccInj
    | ZeroNeSucc
)


# ----------------------------------------------------------------------------------------------- contexts
@dataclass(frozen=True, slots=True)
class Ctx:
    vars: Mapping[str, Sort]
    hyps: Mapping[str, Formula]

    def with_hyp(self, name: str, typ: Formula) -> Ctx:
        return Ctx(self.vars, {**self.hyps, name: typ})

    def with_var(self, var: str, sort: Sort) -> Ctx:
        """Bind ``var``; hypotheses that mention an older ``var`` can no longer be used."""
        hyps = self.hyps
        if var in self.vars:
            hyps = {h: t for h, t in hyps.items() if var not in free_names(t)}
        return Ctx({**self.vars, var: sort}, hyps)


EMPTY = Ctx({}, {})


def _wf_term(ctx: Ctx, t: Term) -> None:
    for v in term_vars(t):
        if ctx.vars.get(v) != NAT:
            raise KernelError(f"unbound natural-number variable {v!r}")


def _wf(ctx: Ctx, f: Formula, bound: Mapping[str, Sort] | None = None) -> None:
    """Every free name of ``f`` is declared in ``ctx`` with the sort it is used at."""
    scope = {**ctx.vars, **(bound or {})}
    if isinstance(f, Pred):
        sort = scope.get(f.name)
        if sort != PropSort(len(f.args)):
            raise KernelError(f"{f.name!r} is not a predicate of arity {len(f.args)} here")
        for a in f.args:
            _wf_term(Ctx(scope, {}), a)
    elif isinstance(f, Eq):
        _wf_term(Ctx(scope, {}), f.left)
        _wf_term(Ctx(scope, {}), f.right)
    elif isinstance(f, Not):
        _wf(ctx, f.arg, bound)
    elif isinstance(f, (And, Or, Imp, Iff)):
        _wf(ctx, f.left, bound)
        _wf(ctx, f.right, bound)
    elif isinstance(f, (Forall, Exists)):
        _wf(ctx, f.body, {**(bound or {}), f.var: f.sort})


def _wf_arg(ctx: Ctx, sort: Sort, arg: Term | Formula) -> None:
    if sort == NAT:
        if not isinstance(arg, (Var, Zero, Succ)) and type(arg).__name__ not in ("Add", "Mul"):
            raise KernelError("a natural-number variable must be instantiated with a term")
        _wf_term(ctx, arg)  # type: ignore[arg-type]
    elif sort == PropSort(0):
        if isinstance(arg, (Var, Zero, Succ)) or type(arg).__name__ in ("Add", "Mul"):
            raise KernelError("a proposition variable must be instantiated with a formula")
        _wf(ctx, arg)  # type: ignore[arg-type]
    else:
        raise KernelError(f"cannot instantiate a variable of sort {sort} (no λ-terms in this logic)")


def _expect(actual: Formula, expected: Formula, what: str) -> None:
    if not convertible(actual, expected):
        raise KernelError(f"{what}: type mismatch")


def _as_imp(f: Formula) -> tuple[Formula, Formula] | None:
    if isinstance(f, Imp):
        return f.left, f.right
    if isinstance(f, Not):
        return f.arg, BOT
    return None


# ----------------------------------------------------------------------------------------------- inference
def infer(ctx: Ctx, p: Proof, lemmas: Mapping[str, Formula]) -> Formula:
    """The formula ``p`` proves in ``ctx``; raises :class:`KernelError` when a rule does not apply."""
    if isinstance(p, Hyp):
        if p.name not in ctx.hyps:
            raise KernelError(f"unknown hypothesis {p.name!r}")
        return ctx.hyps[p.name]
    if isinstance(p, Lemma):
        if p.name not in lemmas:
            raise KernelError(f"lemma {p.name!r} is not a checked theorem")
        return lemmas[p.name]
    if isinstance(p, Hole):
        raise KernelError(f"proof has an unsolved goal ?{p.id}")
    if isinstance(p, Lam):
        _wf(ctx, p.typ)
        return Imp(p.typ, infer(ctx.with_hyp(p.name, p.typ), p.body, lemmas))
    if isinstance(p, App):
        fn = _as_imp(infer(ctx, p.fn, lemmas))
        if fn is None:
            raise KernelError("application of a proof that is not an implication")
        _expect(infer(ctx, p.arg, lemmas), fn[0], "argument")
        return fn[1]
    if isinstance(p, Gen):
        return Forall(p.var, p.sort, infer(ctx.with_var(p.var, p.sort), p.body, lemmas))
    if isinstance(p, Inst):
        fa = infer(ctx, p.fn, lemmas)
        if not isinstance(fa, Forall):
            raise KernelError("instantiation of a proof that is not a ∀")
        _wf_arg(ctx, fa.sort, p.arg)
        return subst(fa.body, fa.var, p.arg)
    if isinstance(p, Let):
        _wf(ctx, p.typ)
        _expect(infer(ctx, p.value, lemmas), p.typ, "let value")
        return infer(ctx.with_hyp(p.name, p.typ), p.body, lemmas)
    if isinstance(p, AndI):
        return And(infer(ctx, p.left, lemmas), infer(ctx, p.right, lemmas))
    if isinstance(p, (AndL, AndR)):
        f = infer(ctx, p.arg, lemmas)
        if not isinstance(f, And):
            raise KernelError("projection of a proof that is not a ∧")
        return f.left if isinstance(p, AndL) else f.right
    if isinstance(p, OrIL):
        _wf(ctx, p.other)
        return Or(infer(ctx, p.arg, lemmas), p.other)
    if isinstance(p, OrIR):
        _wf(ctx, p.other)
        return Or(p.other, infer(ctx, p.arg, lemmas))
    if isinstance(p, OrE):
        f = infer(ctx, p.arg, lemmas)
        if not isinstance(f, Or):
            raise KernelError("case analysis on a proof that is not a ∨")
        a = infer(ctx.with_hyp(p.left_name, f.left), p.left, lemmas)
        b = infer(ctx.with_hyp(p.right_name, f.right), p.right, lemmas)
        _expect(b, a, "second case of ∨-elimination")
        return a
    if isinstance(p, BotE):
        _expect(infer(ctx, p.arg, lemmas), BOT, "False-elimination")
        _wf(ctx, p.goal)
        return p.goal
    if isinstance(p, TopI):
        return TOP
    if isinstance(p, IffI):
        mp, mpr = _as_imp(infer(ctx, p.mp, lemmas)), _as_imp(infer(ctx, p.mpr, lemmas))
        if mp is None or mpr is None:
            raise KernelError("↔-introduction needs two implications")
        _expect(mpr[0], mp[1], "↔-introduction")
        _expect(mpr[1], mp[0], "↔-introduction")
        return Iff(mp[0], mp[1])
    if isinstance(p, (IffMp, IffMpr)):
        f = infer(ctx, p.arg, lemmas)
        if not isinstance(f, Iff):
            raise KernelError("↔-elimination of a proof that is not a ↔")
        return Imp(f.left, f.right) if isinstance(p, IffMp) else Imp(f.right, f.left)
    if isinstance(p, ExI):
        if not isinstance(p.goal, Exists):
            raise KernelError("∃-introduction needs an ∃ formula")
        _wf(ctx, p.goal)
        _wf_arg(ctx, p.goal.sort, p.witness)
        _expect(infer(ctx, p.arg, lemmas), subst(p.goal.body, p.goal.var, p.witness), "∃ witness")
        return p.goal
    if isinstance(p, ExE):
        f = infer(ctx, p.arg, lemmas)
        if not isinstance(f, Exists):
            raise KernelError("∃-elimination of a proof that is not a ∃")
        if p.var in ctx.vars:
            raise KernelError(f"∃-elimination variable {p.var!r} is not fresh")
        body = subst(f.body, f.var, Var(p.var)) if f.sort == NAT else _rename_pred_var(f, p.var)
        inner = ctx.with_var(p.var, f.sort).with_hyp(p.name, body)
        out = infer(inner, p.body, lemmas)
        if p.var in free_names(out):
            raise KernelError(f"∃-elimination: {p.var!r} escapes its scope")
        return out
    if isinstance(p, Refl):
        _wf_term(ctx, p.term)
        return Eq(p.term, p.term)
    if isinstance(p, Subst):
        eq = infer(ctx, p.eq, lemmas)
        if not isinstance(eq, Eq):
            raise KernelError("rewriting with a proof that is not an equation")
        _wf(ctx, p.motive, {p.var: NAT})
        _expect(infer(ctx, p.arg, lemmas), subst(p.motive, p.var, eq.left), "rewrite source")
        return subst(p.motive, p.var, eq.right)
    if isinstance(p, Ind):
        _wf(ctx, p.motive, {p.var: NAT})
        _wf_term(ctx, p.target)
        _expect(infer(ctx, p.base, lemmas), subst(p.motive, p.var, Zero()), "induction base case")
        step = Forall(p.var, NAT, Imp(p.motive, subst(p.motive, p.var, Succ(Var(p.var)))))
        _expect(infer(ctx, p.step, lemmas), step, "induction step")
        return subst(p.motive, p.var, p.target)
    if isinstance(p, SuccInj):
        f = infer(ctx, p.arg, lemmas)
        left, right = (norm_term(f.left), norm_term(f.right)) if isinstance(f, Eq) else (None, None)
        if not (isinstance(left, Succ) and isinstance(right, Succ)):
            raise KernelError("succ-injectivity needs succ a = succ b")
        return Eq(left.arg, right.arg)
    if isinstance(p, ZeroNeSucc):
        f = infer(ctx, p.arg, lemmas)
        left, right = (norm_term(f.left), norm_term(f.right)) if isinstance(f, Eq) else (None, None)
        if not (isinstance(left, Zero) and isinstance(right, Succ)):
            raise KernelError("0 ≠ succ n needs a proof of 0 = succ n")
        return BOT
    raise KernelError(f"not a proof term: {type(p).__name__}")


def _rename_pred_var(f: Exists, new: str) -> Formula:
    from pworlds.worlds.lemma.syntax import rename

    return rename(f.body, f.var, new, f.sort)


def check(proof: Proof, statement: Formula, lemmas: Mapping[str, Formula] | None = None) -> None:
    """Raise :class:`KernelError` unless ``proof`` proves the closed ``statement`` from no hypotheses."""
    if free_names(statement):
        raise KernelError(f"statement is not closed: free {sorted(free_names(statement))}")
    try:
        proved = infer(EMPTY, proof, lemmas or {})
    except RecursionError as exc:
        raise KernelError("proof term too deep") from exc
    _expect(proved, statement, "proof does not prove the statement")
