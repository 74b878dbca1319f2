"""Elaboration: turn a tactic's expression (``h x``, ``⟨a, b⟩``, ``Or.inl h``, ``fun x => …``) into a proof
term and its type, plus first-order matching for ``apply``/``rw``/``simp``.

Nothing here is trusted: whatever it builds is re-checked by the kernel when the proof is finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pworlds.worlds.lemma.goals import Goal
from pworlds.worlds.lemma.kernel import (
    AndI,
    AndL,
    AndR,
    App,
    BotE,
    ExI,
    Gen,
    Hyp,
    IffI,
    IffMp,
    IffMpr,
    Inst,
    Lam,
    Lemma,
    OrIL,
    OrIR,
    Proof,
    Refl,
    Subst,
    SuccInj,
    TopI,
    ZeroNeSucc,
)
from pworlds.worlds.lemma.parser import LemmaSyntaxError, Node, NodeStream, to_formula, to_term
from pworlds.worlds.lemma.printer import formula_str, term_str
from pworlds.worlds.lemma.syntax import (
    BOT,
    NAT,
    PROP,
    Add,
    And,
    Bot,
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
    convertible,
    fresh,
    norm_term,
    rename,
    subst,
    term_vars,
)


class TacticError(Exception):
    """A tactic does not apply; the message is shown to the agent (Lean-like wording)."""


def expect_end(s: NodeStream, tactic: str) -> None:
    """Refuse trailing text after a tactic's arguments."""
    if not s.done():
        raise TacticError(f"{tactic}: unexpected {s.found()}")


def symm_proof(p: Proof, left: Term, taken: set[str]) -> Proof:
    """From ``p : a = b`` build ``b = a`` (Leibniz substitution into ``x = a``)."""
    x = fresh("x", taken | term_vars(left))
    return Subst(p, x, Eq(Var(x), left), Refl(left))


def as_imp(f: Formula) -> tuple[Formula, Formula] | None:
    if isinstance(f, Imp):
        return f.left, f.right
    if isinstance(f, Not):
        return f.arg, BOT
    return None


# ----------------------------------------------------------------------------------------------- matching
def match_term(p: Term, t: Term, metas: set[str], sol: dict, bp: dict[str, str], bound: set[str]) -> bool:
    if isinstance(p, Var):
        if p.name in bp:
            return isinstance(t, Var) and t.name == bp[p.name]
        if p.name in metas:
            if p.name in sol:
                return sol[p.name] == t
            if term_vars(t) & bound:
                return False
            sol[p.name] = t
            return True
        return isinstance(t, Var) and t.name == p.name and t.name not in bound
    if type(p) is not type(t):
        return False
    if isinstance(p, Zero):
        return True
    if isinstance(p, Succ):
        return match_term(p.arg, t.arg, metas, sol, bp, bound)  # type: ignore[union-attr]
    return match_term(p.left, t.left, metas, sol, bp, bound) and match_term(  # type: ignore[union-attr]
        p.right,
        t.right,  # type: ignore[union-attr]
        metas,
        sol,
        bp,
        bound,
    )


def match_formula(p: Formula, t: Formula, metas: set[str], sol: dict, bp: dict | None = None) -> bool:
    """Extend ``sol`` so that ``p`` with metas replaced is ``t`` (up to bound names); ``¬A`` ≡ ``A → False``."""
    bp = bp or {}
    bound = set(bp.values())
    if isinstance(p, Pred) and not p.args and p.name in metas:
        if p.name in sol:
            return alpha_key(sol[p.name]) == alpha_key(t)
        if all_names(t) & bound:
            return False
        sol[p.name] = t
        return True
    pi, ti = as_imp(p), as_imp(t)
    if pi and ti and (isinstance(p, Not) != isinstance(t, Not)):
        return match_formula(pi[0], ti[0], metas, sol, bp) and match_formula(pi[1], ti[1], metas, sol, bp)
    if type(p) is not type(t):
        return False
    if isinstance(p, Pred):
        name = bp.get(p.name, p.name)
        return (
            name == t.name  # type: ignore[union-attr]
            and len(p.args) == len(t.args)  # type: ignore[union-attr]
            and all(match_term(a, b, metas, sol, bp, bound) for a, b in zip(p.args, t.args, strict=True))  # type: ignore[union-attr]
        )
    if isinstance(p, Eq):
        return match_term(p.left, t.left, metas, sol, bp, bound) and match_term(  # type: ignore[union-attr]
            p.right,
            t.right,  # type: ignore[union-attr]
            metas,
            sol,
            bp,
            bound,
        )
    if isinstance(p, (Top, Bot)):
        return True
    if isinstance(p, Not):
        return match_formula(p.arg, t.arg, metas, sol, bp)  # type: ignore[union-attr]
    if isinstance(p, (And, Or, Imp, Iff)):
        return match_formula(p.left, t.left, metas, sol, bp) and match_formula(  # type: ignore[union-attr]
            p.right,
            t.right,  # type: ignore[union-attr]
            metas,
            sol,
            bp,
        )
    if isinstance(p, (Forall, Exists)):
        if p.sort != t.sort:  # type: ignore[union-attr]
            return False
        return match_formula(p.body, t.body, metas, sol, {**bp, p.var: t.var})  # type: ignore[union-attr]
    return False


@dataclass
class Peeled:
    """A hypothesis type with its leading ∀ turned into metavariables and → premises listed."""

    steps: list[tuple[str, object]]  # ("inst", meta name) or ("app", premise formula)
    metas: dict[str, object]  # meta name -> sort
    conclusion: Formula


def peel(typ: Formula, max_premises: int, *, premises: bool = True) -> list[Peeled]:
    """Every way of applying ``typ`` to 0, 1, 2, … arguments (fewest first)."""
    out: list[Peeled] = []
    steps: list[tuple[str, object]] = []
    metas: dict[str, object] = {}
    cur = typ
    n = 0
    while True:
        out.append(Peeled(list(steps), dict(metas), cur))
        if isinstance(cur, Forall) and cur.sort in (NAT, PROP):
            meta = f"?{cur.var}{len(metas)}"
            metas[meta] = cur.sort
            cur = subst(cur.body, cur.var, Var(meta) if cur.sort == NAT else Pred(meta))
            steps.append(("inst", meta))
            continue
        imp = as_imp(cur) if premises else None
        if imp and n < max_premises:
            steps.append(("app", imp[0]))
            cur = imp[1]
            n += 1
            continue
        return out


def instantiate(f: Formula, sol: Mapping[str, object]) -> Formula:
    for name, value in sol.items():
        f = subst(f, name, value)  # type: ignore[arg-type]
    return f


def instantiate_term(t: Term, sol: Mapping[str, object]) -> Term:
    from pworlds.worlds.lemma.syntax import subst_term

    for name, value in sol.items():
        if isinstance(value, (Var, Zero, Succ, Add, Mul)):
            t = subst_term(t, name, value)
    return t


# ----------------------------------------------------------------------------------------------- elaboration
LEMMA_ALIASES = {
    "mul_add": "left_distrib",
    "add_mul": "right_distrib",
    "And.comm": "and_comm",
    "Or.comm": "or_comm",
    "Iff.refl": "iff_refl",
    "Iff.symm": "iff_symm",
    "Iff.trans": "iff_trans",
    "succ_eq_add_one": "succ_eq_add_one",
}
"""Lean core/Mathlib names that mean a library theorem under another name."""
_SPECIAL = {"Or.inl", "Or.inr", "False.elim", "absurd", "Nat.noConfusion", "Exists.intro", "And.intro",
            "Iff.intro", "Eq.symm", "Nat.succ.inj", "Nat.succ_inj", "trivial", "rfl", "True.intro",
            "Eq.refl", "Eq.trans", "congrArg"}  # fmt: skip


class Elaborator:
    def __init__(self, goal: Goal, lemmas: Mapping[str, Formula]) -> None:
        self.goal = goal
        self.lemmas = lemmas

    def _sub(self, goal: Goal) -> Elaborator:
        return Elaborator(goal, self.lemmas)

    def term(self, node: Node) -> Term:
        try:
            return to_term(node, self.goal.scope())
        except LemmaSyntaxError as exc:
            raise TacticError(exc.message) from exc

    def formula(self, node: Node) -> Formula:
        try:
            return to_formula(node, self.goal.scope())
        except LemmaSyntaxError as exc:
            raise TacticError(exc.message) from exc

    def lookup(self, name: str) -> tuple[Proof, Formula] | None:
        h = self.goal.hyp(name)
        if h is not None:
            return Hyp(name), h
        base = name.removeprefix("Nat.")
        for cand in (name, base, f"Nat.{name}", LEMMA_ALIASES.get(base, "")):
            if cand in self.lemmas:
                return Lemma(cand), self.lemmas[cand]
        return None

    def infer(self, node: Node) -> tuple[Proof, Formula]:
        if node.kind == "ident":
            name = node.value
            found = self.lookup(name)
            if found:
                return found
            if name in ("trivial", "True.intro"):
                return TopI(), Top()
            if "." in name:
                head, _, fld = name.rpartition(".")
                base = self.lookup(head)
                if base is not None:
                    return self.project(base, fld)
            if name in self.goal.scope():
                raise TacticError(f"'{name}' is a variable, not a proof")
            raise TacticError(f"unknown identifier '{name}'")
        if node.kind == "app":
            fn, *args = node.children
            if fn.kind == "ident" and fn.value in _SPECIAL:
                return self.special(fn.value, args, None)
            proof, typ = self.infer(fn)
            for arg in args:
                proof, typ = self.apply_arg(proof, typ, arg)
            return proof, typ
        if node.kind == "proj":
            base = self.infer(node.children[0])
            for fld in node.value.split("."):
                base = self.project(base, fld)
            return base
        if node.kind == "anon":
            raise TacticError("invalid constructor ⟨...⟩, expected type must be known")
        raise TacticError("cannot infer the type of this expression; give the expected type (e.g. with have)")

    def project(self, base: tuple[Proof, Formula], fld: str) -> tuple[Proof, Formula]:
        proof, typ = base
        if fld in ("1", "left") and isinstance(typ, And):
            return AndL(proof), typ.left
        if fld in ("2", "right") and isinstance(typ, And):
            return AndR(proof), typ.right
        if fld in ("1", "mp") and isinstance(typ, Iff):
            return IffMp(proof), Imp(typ.left, typ.right)
        if fld in ("2", "mpr") and isinstance(typ, Iff):
            return IffMpr(proof), Imp(typ.right, typ.left)
        if fld == "symm" and isinstance(typ, Eq):
            return symm_proof(proof, typ.left, self.goal.names()), Eq(typ.right, typ.left)
        if fld == "elim" and isinstance(typ, Bot):
            raise TacticError("False.elim needs an expected type; use exfalso or exact False.elim h")
        raise TacticError(f"invalid field '{fld}' for a proof of {formula_str(typ)}")

    def apply_arg(self, proof: Proof, typ: Formula, arg: Node) -> tuple[Proof, Formula]:
        imp = as_imp(typ)
        if imp:
            return App(proof, self.check(arg, imp[0])), imp[1]
        if isinstance(typ, Forall):
            if typ.sort == NAT:
                value: object = self.term(arg)
            elif typ.sort == PROP:
                value = self.formula(arg)
            else:
                raise TacticError(
                    f"cannot instantiate '{typ.var} : {typ.sort}' (predicates are not terms here)"
                )
            return Inst(proof, value), subst(typ.body, typ.var, value)  # type: ignore[arg-type]
        raise TacticError(f"function expected: the proof has type {formula_str(typ)}")

    def special(self, name: str, args: list[Node], expected: Formula | None) -> tuple[Proof, Formula]:
        def need(k: int) -> None:
            if len(args) != k:
                raise TacticError(f"{name} expects {k} argument(s), got {len(args)}")

        if name in ("And.intro", "Iff.intro"):
            need(2)
            if expected is not None and isinstance(expected, (And, Iff)):
                left_t = expected.left if isinstance(expected, And) else Imp(expected.left, expected.right)
                right_t = expected.right if isinstance(expected, And) else Imp(expected.right, expected.left)
                a, b = self.check(args[0], left_t), self.check(args[1], right_t)
            else:
                (a, at), (b, bt) = self.infer(args[0]), self.infer(args[1])
                if name == "And.intro":
                    return AndI(a, b), And(at, bt)
                ai = as_imp(at)
                if not ai:
                    raise TacticError("Iff.intro needs two implications")
                return IffI(a, b), Iff(ai[0], ai[1])
            return (AndI(a, b), expected) if name == "And.intro" else (IffI(a, b), expected)
        if name in ("Or.inl", "Or.inr"):
            need(1)
            if not isinstance(expected, Or):
                raise TacticError(f"{name}: the expected type must be a disjunction")
            if name == "Or.inl":
                return OrIL(self.check(args[0], expected.left), expected.right), expected
            return OrIR(expected.left, self.check(args[0], expected.right)), expected
        if name in ("False.elim", "absurd", "Nat.noConfusion"):
            if expected is None:
                raise TacticError(f"{name}: the expected type must be known")
            if name == "False.elim":
                need(1)
                return BotE(self.check(args[0], BOT), expected), expected
            if name == "absurd":
                need(2)
                a, at = self.infer(args[0])
                return BotE(App(self.check(args[1], Not(at)), a), expected), expected
            need(1)
            p, t = self.infer(args[0])
            if isinstance(t, Eq) and isinstance(norm_term(t.left), Succ):
                p, t = symm_proof(p, t.left, self.goal.names()), Eq(t.right, t.left)
            if not (
                isinstance(t, Eq)
                and isinstance(norm_term(t.left), Zero)
                and isinstance(norm_term(t.right), Succ)
            ):
                raise TacticError("Nat.noConfusion needs a proof of 0 = succ n (or succ n = 0)")
            return BotE(ZeroNeSucc(p), expected), expected
        if name == "Exists.intro":
            need(2)
            if not isinstance(expected, Exists):
                raise TacticError("Exists.intro: the expected type must be an ∃")
            w = self.term(args[0]) if expected.sort == NAT else self.formula(args[0])
            body = subst(expected.body, expected.var, w)
            return ExI(expected, w, self.check(args[1], body)), expected
        if name in ("Eq.symm",):
            need(1)
            p, t = self.infer(args[0])
            if not isinstance(t, Eq):
                raise TacticError(f"Eq.symm: {formula_str(t)} is not an equation")
            return symm_proof(p, t.left, self.goal.names()), Eq(t.right, t.left)
        if name == "Eq.trans":
            need(2)
            (p, t), (q, u) = self.infer(args[0]), self.infer(args[1])
            if not (isinstance(t, Eq) and isinstance(u, Eq)) or not convertible(
                Eq(t.right, t.right), Eq(u.left, u.left)
            ):
                raise TacticError("Eq.trans: the equations do not chain (a = b, b = c)")
            x = fresh("x", self.goal.names() | term_vars(t.left))
            return Subst(q, x, Eq(t.left, Var(x)), p), Eq(t.left, u.right)
        if name in ("Nat.succ.inj", "Nat.succ_inj"):
            need(1)
            p, t = self.infer(args[0])
            lt, rt = (norm_term(t.left), norm_term(t.right)) if isinstance(t, Eq) else (None, None)
            if not (isinstance(lt, Succ) and isinstance(rt, Succ)):
                raise TacticError(f"{name} needs a proof of succ a = succ b")
            return SuccInj(p), Eq(lt.arg, rt.arg)
        if name == "congrArg":
            need(2)
            fn = args[0]
            if not (fn.kind == "ident" and fn.value in ("succ", "Nat.succ")):
                raise TacticError("congrArg: only succ is supported as the function")
            p, t = self.infer(args[1])
            if not isinstance(t, Eq):
                raise TacticError("congrArg needs an equation")
            x = fresh("x", self.goal.names() | term_vars(t.left))
            return Subst(p, x, Eq(Succ(t.left), Succ(Var(x))), Refl(Succ(t.left))), Eq(
                Succ(t.left), Succ(t.right)
            )
        if name in ("rfl", "Eq.refl"):
            if not isinstance(expected, Eq):
                raise TacticError("rfl: the expected type must be an equation")
            return self._rfl(expected), expected
        if name in ("trivial", "True.intro"):
            return TopI(), Top()
        raise TacticError(f"unknown function {name}")

    def _rfl(self, expected: Eq) -> Proof:
        if norm_term(expected.left) != norm_term(expected.right):
            raise TacticError(
                f"The rfl tactic failed: {term_str(expected.left)} and {term_str(expected.right)} "
                "are not definitionally equal"
            )
        return Refl(expected.left)

    def check(self, node: Node, expected: Formula) -> Proof:
        """A proof of ``expected`` from ``node`` (type mismatch → :class:`TacticError`)."""
        if node.kind == "anon":
            return self.anon(list(node.children), expected)
        if node.kind == "fun":
            return self.fun(node, expected)
        if node.kind == "ident" and node.value in ("rfl", "Eq.refl") and self.lookup(node.value) is None:
            if not isinstance(expected, Eq):
                raise TacticError(f"rfl: the goal {formula_str(expected)} is not an equation")
            return self._rfl(expected)
        if node.kind == "app" and node.children[0].kind == "ident" and node.children[0].value in _SPECIAL:
            fn = node.children[0].value
            proof, typ = self.special(fn, list(node.children[1:]), expected)
        else:
            proof, typ = self.infer(node)
        if convertible(typ, expected):
            return proof
        for way in peel(typ, 0):
            sol: dict = {}
            matched = way.metas and match_formula(way.conclusion, expected, set(way.metas), sol)
            if (
                matched
                and set(sol) == set(way.metas)
                and convertible(instantiate(way.conclusion, sol), expected)
            ):
                applied = proof
                for _kind, meta in way.steps:
                    applied = Inst(applied, sol[meta])  # type: ignore[index]
                return applied
        raise TacticError(
            f"type mismatch: this has type {formula_str(typ)} but is expected to have type {formula_str(expected)}"
        )

    def anon(self, items: list[Node], expected: Formula) -> Proof:
        if isinstance(expected, Top) and not items:
            return TopI()
        if len(items) < 2:
            if len(items) == 1:
                return self.check(items[0], expected)
            raise TacticError(f"invalid constructor ⟨⟩ for {formula_str(expected)}")
        rest = items[1:]

        def tail(f: Formula) -> Proof:
            return self.check(rest[0], f) if len(rest) == 1 else self.anon(rest, f)

        if isinstance(expected, And):
            return AndI(self.check(items[0], expected.left), tail(expected.right))
        if isinstance(expected, Iff):
            if len(items) != 2:
                raise TacticError("⟨mp, mpr⟩ for ↔ takes exactly two proofs")
            return IffI(
                self.check(items[0], Imp(expected.left, expected.right)),
                self.check(items[1], Imp(expected.right, expected.left)),
            )
        if isinstance(expected, Exists):
            w = self.term(items[0]) if expected.sort == NAT else self.formula(items[0])
            body = subst(expected.body, expected.var, w)
            return ExI(expected, w, tail(body))
        raise TacticError(f"invalid constructor ⟨...⟩ for {formula_str(expected)}")

    def fun(self, node: Node, expected: Formula) -> Proof:
        names = [n for n, _ in node.binders]
        body_node = node.children[0]
        return self._fun(names, body_node, expected, self.goal)

    def _fun(self, names: list[str], body: Node, expected: Formula, goal: Goal) -> Proof:
        if not names:
            return self._sub(goal).check(body, expected)
        name, rest = names[0], names[1:]
        imp = as_imp(expected)
        if imp:
            g, wrap = goal.add_hyp(name, imp[0])
            return wrap(Lam(name, imp[0], self._fun(rest, body, imp[1], g)))
        if isinstance(expected, Forall):
            g, used = goal.add_var(name, expected.sort)
            inner = rename(expected.body, expected.var, used, expected.sort)
            return Gen(used, expected.sort, self._fun(rest, body, inner, g))
        raise TacticError(f"fun: the expected type {formula_str(expected)} is not a function type")
