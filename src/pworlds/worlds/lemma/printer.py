"""Lean 4-style printing of terms and formulas, with the fewest parentheses Lean's precedences allow.

Precedences (Lean 4 core): ``↔`` 20, ``→`` 25 (right), ``∨`` 30 (right), ``∧`` 35 (right), ``¬`` 40,
``=`` 50, ``+`` 65 (left), ``*`` 70 (left). Quantifiers extend as far right as possible, so they are bracketed
unless they end the enclosing expression. Numerals are printed for ``succ (… 0)``; ``succ t`` otherwise.
"""

from __future__ import annotations

from pworlds.worlds.lemma.syntax import (
    Add,
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
    Pred,
    Succ,
    Term,
    Top,
    Var,
    Zero,
)

_BIN = {Iff: (20, "↔", "none"), Imp: (25, "→", "right"), Or: (30, "∨", "right"), And: (35, "∧", "right")}


def term_str(t: Term, prec: int = 0) -> str:
    if isinstance(t, Var):
        return t.name
    if isinstance(t, Zero):
        return "0"
    if isinstance(t, Succ):
        n, inner = 1, t.arg
        while isinstance(inner, Succ):
            n, inner = n + 1, inner.arg
        if isinstance(inner, Zero):
            return str(n)
        text = f"succ {term_str(t.arg, 1024)}"
        return f"({text})" if prec >= 1024 else text
    op, p = ("+", 65) if isinstance(t, Add) else ("*", 70)
    text = f"{term_str(t.left, p)} {op} {term_str(t.right, p + 1)}"
    return f"({text})" if prec > p else text


def formula_str(f: Formula, prec: int = 0, tail: bool = True) -> str:
    """``tail``: nothing follows this formula in its enclosing text, so a quantifier needs no brackets."""
    if isinstance(f, Pred):
        if not f.args:
            return f.name
        text = " ".join([f.name, *(term_str(a, 1024) for a in f.args)])
        return f"({text})" if prec >= 1024 else text
    if isinstance(f, Eq):
        text = f"{term_str(f.left, 51)} = {term_str(f.right, 51)}"
        return f"({text})" if prec > 50 else text
    if isinstance(f, Top):
        return "True"
    if isinstance(f, Bot):
        return "False"
    if isinstance(f, Not):
        if isinstance(f.arg, Eq):
            text = f"{term_str(f.arg.left, 51)} ≠ {term_str(f.arg.right, 51)}"
            return f"({text})" if prec > 50 else text
        text = f"¬{formula_str(f.arg, 40, tail or prec > 40)}"
        return f"({text})" if prec > 40 else text
    if isinstance(f, (Forall, Exists)):
        sym = "∀" if isinstance(f, Forall) else "∃"
        names, body = [f.var], f.body
        while type(body) is type(f) and body.sort == f.sort:  # type: ignore[union-attr]
            names.append(body.var)  # type: ignore[union-attr]
            body = body.body  # type: ignore[union-attr]
        text = f"{sym} {' '.join(names)} : {f.sort}, {formula_str(body, 0, True)}"
        return f"({text})" if prec > 0 and not tail else text
    p, sym, assoc = _BIN[type(f)]
    lp, rp = (p + 1, p) if assoc == "right" else (p + 1, p + 1)
    text = f"{formula_str(f.left, lp, False)} {sym} {formula_str(f.right, rp, tail or prec > p)}"
    return f"({text})" if prec > p else text
