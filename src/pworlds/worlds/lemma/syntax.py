"""Terms and formulas of plemma's logic: first-order logic with equality over the natural numbers.

Terms: variables, ``0``, ``succ t``, ``a + b``, ``a * b``. Formulas: predicate variables applied to terms
(``p`` is a 0-ary one, i.e. a proposition variable), ``a = b``, ``True``, ``False``, ``¬``, ``∧``, ``∨``, ``→``,
``↔``, ``∀ x : S, φ`` and ``∃ x : S, φ`` where the sort ``S`` is ``Nat``, ``Prop`` or ``Nat → … → Prop``.

Everything is an immutable tuple-like dataclass, so formulas can be hashed, compared and shared freely.
Binders keep their names (for printing); :func:`canon` gives a name-free key used for comparisons "up to
renaming of bound variables and definitional unfolding of + and *" — the notion of equality the kernel uses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

# ----------------------------------------------------------------------------------------------- sorts
NAT = "Nat"


@dataclass(frozen=True, slots=True)
class PropSort:
    """``Prop`` (arity 0) or ``Nat → … → Prop`` (arity k): the sort of a predicate variable."""

    arity: int = 0

    def __str__(self) -> str:
        return " → ".join(["Nat"] * self.arity + ["Prop"])


PROP = PropSort(0)
Sort = str | PropSort


def sort_str(sort: Sort) -> str:
    return str(sort)


# ----------------------------------------------------------------------------------------------- terms
@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Zero:
    pass


@dataclass(frozen=True, slots=True)
class Succ:
    arg: Term


@dataclass(frozen=True, slots=True)
class Add:
    left: Term
    right: Term


@dataclass(frozen=True, slots=True)
class Mul:
    left: Term
    right: Term


Term = Var | Zero | Succ | Add | Mul
ZERO = Zero()


def numeral(n: int) -> Term:
    term: Term = ZERO
    for _ in range(n):
        term = Succ(term)
    return term


# ----------------------------------------------------------------------------------------------- formulas
@dataclass(frozen=True, slots=True)
class Pred:
    name: str
    args: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Eq:
    left: Term
    right: Term


@dataclass(frozen=True, slots=True)
class Top:
    pass


@dataclass(frozen=True, slots=True)
class Bot:
    pass


@dataclass(frozen=True, slots=True)
class Not:
    arg: Formula


@dataclass(frozen=True, slots=True)
class And:
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Or:
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Imp:
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Iff:
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Forall:
    var: str
    sort: Sort
    body: Formula


@dataclass(frozen=True, slots=True)
class Exists:
    var: str
    sort: Sort
    body: Formula


Formula = Pred | Eq | Top | Bot | Not | And | Or | Imp | Iff | Forall | Exists
TOP, BOT = Top(), Bot()
BINARY = (And, Or, Imp, Iff)
QUANT = (Forall, Exists)


# ----------------------------------------------------------------------------------------------- free names
def term_vars(t: Term, acc: set[str] | None = None) -> set[str]:
    acc = set() if acc is None else acc
    stack = [t]
    while stack:
        t = stack.pop()
        if isinstance(t, Var):
            acc.add(t.name)
        elif isinstance(t, Succ):
            stack.append(t.arg)
        elif isinstance(t, (Add, Mul)):
            stack.append(t.left)
            stack.append(t.right)
    return acc


def free_names(f: Formula) -> set[str]:
    """Free term variables and free predicate variables of a formula."""
    if isinstance(f, Pred):
        out: set[str] = {f.name}
        for a in f.args:
            term_vars(a, out)
        return out
    if isinstance(f, Eq):
        return term_vars(f.right, term_vars(f.left))
    if isinstance(f, (Top, Bot)):
        return set()
    if isinstance(f, Not):
        return free_names(f.arg)
    if isinstance(f, BINARY):
        return free_names(f.left) | free_names(f.right)
    if isinstance(f, QUANT):
        return free_names(f.body) - {f.var}
    raise TypeError(f"not a formula: {f!r}")


def all_names(f: Formula) -> set[str]:
    """Every name occurring in a formula, bound or free (used to pick fresh names)."""
    if isinstance(f, QUANT):
        return all_names(f.body) | {f.var}
    if isinstance(f, Not):
        return all_names(f.arg)
    if isinstance(f, BINARY):
        return all_names(f.left) | all_names(f.right)
    return free_names(f)


def fresh(base: str, taken: set[str] | frozenset[str]) -> str:
    """``base`` if unused, else ``base_1``, ``base_2``, …"""
    if base not in taken:
        return base
    for i in itertools.count(1):
        cand = f"{base}_{i}"
        if cand not in taken:
            return cand
    raise AssertionError("unreachable")


# ----------------------------------------------------------------------------------------------- substitution
def subst_term(t: Term, name: str, value: Term) -> Term:
    if isinstance(t, Var):
        return value if t.name == name else t
    if isinstance(t, Zero):
        return t
    if isinstance(t, Succ):
        return Succ(subst_term(t.arg, name, value))
    if isinstance(t, Add):
        return Add(subst_term(t.left, name, value), subst_term(t.right, name, value))
    return Mul(subst_term(t.left, name, value), subst_term(t.right, name, value))


def subst(f: Formula, name: str, value: Term | Formula) -> Formula:
    """Capture-avoiding ``f[value/name]``; ``value`` is a term (for a Nat variable) or a formula (for a
    proposition variable of arity 0)."""
    is_term = isinstance(value, (Var, Zero, Succ, Add, Mul))
    vfree = term_vars(value) if is_term else free_names(value)  # type: ignore[arg-type]
    return _subst(f, name, value, is_term, vfree)


def _subst(f: Formula, name: str, value: Term | Formula, is_term: bool, vfree: set[str]) -> Formula:
    if isinstance(f, Pred):
        if not is_term and f.name == name and not f.args:
            return value  # type: ignore[return-value]
        if is_term and f.args:
            return Pred(f.name, tuple(subst_term(a, name, value) for a in f.args))  # type: ignore[arg-type]
        return f
    if isinstance(f, Eq):
        if not is_term:
            return f
        return Eq(subst_term(f.left, name, value), subst_term(f.right, name, value))  # type: ignore[arg-type]
    if isinstance(f, (Top, Bot)):
        return f
    if isinstance(f, Not):
        return Not(_subst(f.arg, name, value, is_term, vfree))
    if isinstance(f, BINARY):
        return type(f)(
            _subst(f.left, name, value, is_term, vfree), _subst(f.right, name, value, is_term, vfree)
        )
    if isinstance(f, QUANT):
        if f.var == name:
            return f
        if name not in free_names(f.body):
            return f
        var, body = f.var, f.body
        if var in vfree:
            new = fresh(var, vfree | all_names(body) | {name})
            body = rename(body, var, new, f.sort)
            var = new
        return type(f)(var, f.sort, _subst(body, name, value, is_term, vfree))
    raise TypeError(f"not a formula: {f!r}")


def rename(f: Formula, old: str, new: str, sort: Sort) -> Formula:
    """Rename the free variable ``old`` (of ``sort``) to ``new``."""
    if sort == NAT:
        return subst(f, old, Var(new))
    return _rename_pred(f, old, new)


def _rename_pred(f: Formula, old: str, new: str) -> Formula:
    if isinstance(f, Pred):
        return Pred(new, f.args) if f.name == old else f
    if isinstance(f, Not):
        return Not(_rename_pred(f.arg, old, new))
    if isinstance(f, BINARY):
        return type(f)(_rename_pred(f.left, old, new), _rename_pred(f.right, old, new))
    if isinstance(f, QUANT):
        if f.var == old or old not in free_names(f.body):
            return f
        var, body = f.var, f.body
        if var == new:  # the binder would capture the renamed variable: rename the binder first
            var = fresh(var, all_names(body) | {old, new})
            body = rename(body, f.var, var, f.sort)
        return type(f)(var, f.sort, _rename_pred(body, old, new))
    return f


# ----------------------------------------------------------------------------------------------- conversion
def norm_term(t: Term) -> Term:
    """Definitional normal form: ``a + 0 ⇝ a``, ``a + succ b ⇝ succ (a + b)``, ``a * 0 ⇝ 0``,
    ``a * succ b ⇝ a * b + a`` — Lean's ``Nat.add``/``Nat.mul`` recursion on the second argument."""
    if isinstance(t, (Var, Zero)):
        return t
    if isinstance(t, Succ):
        return Succ(norm_term(t.arg))
    left, right = norm_term(t.left), norm_term(t.right)
    if isinstance(t, Add):
        return _norm_add(left, right)
    return _norm_mul(left, right)


def _norm_add(a: Term, b: Term) -> Term:
    depth = 0
    while isinstance(b, Succ):
        b = b.arg
        depth += 1
    out: Term = a if isinstance(b, Zero) else Add(a, b)
    for _ in range(depth):
        out = Succ(out)
    return out


def _norm_mul(a: Term, b: Term) -> Term:
    if isinstance(b, Zero):
        return ZERO
    if isinstance(b, Succ):
        return _norm_add(_norm_mul(a, b.arg), a)
    return Mul(a, b)


def canon(f: Formula) -> tuple:
    """A hashable key equal for formulas equal up to bound names, ``¬A ≡ A → False`` and term normalisation."""
    return _canon(f, {}, 0)


def _canon_term(t: Term, env: dict[str, int], depth: int) -> tuple:
    if isinstance(t, Var):
        return ("b", depth - env[t.name]) if t.name in env else ("v", t.name)
    if isinstance(t, Zero):
        return ("0",)
    if isinstance(t, Succ):
        return ("S", _canon_term(t.arg, env, depth))
    tag = "+" if isinstance(t, Add) else "*"
    return (tag, _canon_term(t.left, env, depth), _canon_term(t.right, env, depth))


def _canon(f: Formula, env: dict[str, int], depth: int) -> tuple:
    if isinstance(f, Pred):
        head = ("b", depth - env[f.name]) if f.name in env else ("v", f.name)
        return ("P", head, tuple(_canon_term(norm_term(a), env, depth) for a in f.args))
    if isinstance(f, Eq):
        return ("=", _canon_term(norm_term(f.left), env, depth), _canon_term(norm_term(f.right), env, depth))
    if isinstance(f, Top):
        return ("T",)
    if isinstance(f, Bot):
        return ("F",)
    if isinstance(f, Not):
        return ("→", _canon(f.arg, env, depth), ("F",))
    if isinstance(f, BINARY):
        tag = {And: "∧", Or: "∨", Imp: "→", Iff: "↔"}[type(f)]
        return (tag, _canon(f.left, env, depth), _canon(f.right, env, depth))
    if isinstance(f, QUANT):
        inner = dict(env)
        inner[f.var] = depth + 1
        tag = "∀" if isinstance(f, Forall) else "∃"
        return (tag, str(f.sort), _canon(f.body, inner, depth + 1))
    raise TypeError(f"not a formula: {f!r}")


def convertible(a: Formula, b: Formula) -> bool:
    return a == b or canon(a) == canon(b)


def alpha_key(f: Formula) -> tuple:
    """Like :func:`canon` but without unfolding ``+``/``*``: syntactic equality up to bound names."""
    return _alpha(f, {}, 0)


def _alpha_term(t: Term, env: dict[str, int], depth: int) -> tuple:
    return _canon_term(t, env, depth)


def _alpha(f: Formula, env: dict[str, int], depth: int) -> tuple:
    if isinstance(f, Pred):
        head = ("b", depth - env[f.name]) if f.name in env else ("v", f.name)
        return ("P", head, tuple(_alpha_term(a, env, depth) for a in f.args))
    if isinstance(f, Eq):
        return ("=", _alpha_term(f.left, env, depth), _alpha_term(f.right, env, depth))
    if isinstance(f, (Top, Bot)):
        return (type(f).__name__,)
    if isinstance(f, Not):
        return ("¬", _alpha(f.arg, env, depth))
    if isinstance(f, BINARY):
        return (type(f).__name__, _alpha(f.left, env, depth), _alpha(f.right, env, depth))
    inner = dict(env)
    inner[f.var] = depth + 1
    return (type(f).__name__, str(f.sort), _alpha(f.body, inner, depth + 1))
