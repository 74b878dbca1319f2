"""Parser for statements and tactic arguments in Lean 4 syntax (with ASCII spellings accepted).

Two stages: a Pratt parser turns text into a small untyped tree (:class:`Node`), then :func:`to_formula` /
:func:`to_term` read that tree against a scope (which names are ``Nat`` variables, which are propositions or
predicates). Tactic arguments such as ``h x ⟨a, b⟩`` use the same tree; the tactic engine interprets it.
Every error carries the column it refers to.

Accepted spellings: ``∀``/``forall``, ``∃``/``exists``, ``¬``/``~``, ``∧``/``/\\``, ``∨``/``\\/``,
``→``/``->``, ``↔``/``<->``, ``≠``/``!=``, ``ℕ``/``Nat``, ``fun``/``λ`` with ``=>``/``↦``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pworlds.worlds.lemma.syntax import (
    BOT,
    NAT,
    PROP,
    TOP,
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
    PropSort,
    Sort,
    Succ,
    Term,
    Var,
    numeral,
)


class LemmaSyntaxError(ValueError):
    """Text that does not parse or does not make sense in its scope; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


# ----------------------------------------------------------------------------------------------- tokens
_SYMBOLS = [
    "<->", "->", "<-", "/\\", "\\/", ":=", "=>", "!=", "↔", "→", "←", "∧", "∨", "¬", "~", "=", "≠", "+", "*",
    "(", ")", ",", ":", "⟨", "⟩", "[", "]", "|", "∀", "∃", "λ", "↦", "ℕ", ";", "<;>", ".",
]  # fmt: skip
_ALIASES = {
    "<->": "↔",
    "->": "→",
    "<-": "←",
    "/\\": "∧",
    "\\/": "∨",
    "~": "¬",
    "!=": "≠",
    "↦": "=>",
    "λ": "fun",
}
_KEYWORD_SYMBOLS = {"forall": "∀", "exists": "∃", "fun": "fun", "ℕ": "Nat"}
_IDENT = re.compile(r"[A-Za-z_\u0391-\u03a9\u03b1-\u03ba\u03bc-\u03c9][\w'!?₀-₉✝]*(?:\.[\w'₀-₉]+)*")
_NUM = re.compile(r"[0-9]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "ident", "num", "sym", "eof"
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i = 0
    symbols = sorted(_SYMBOLS, key=len, reverse=True)
    while i < len(text):
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
            continue
        for sym in symbols:
            if text.startswith(sym, i):
                canon = _ALIASES.get(sym, sym)
                if canon == "ℕ":
                    out.append(Token("ident", "Nat", i))
                elif canon == "fun":
                    out.append(Token("ident", "fun", i))
                else:
                    out.append(Token("sym", canon, i))
                i += len(sym)
                break
        else:
            m = _NUM.match(text, i) or _IDENT.match(text, i)
            if not m:
                raise LemmaSyntaxError(f"unexpected character {text[i]!r}", i + 1)
            kind = "num" if m.re is _NUM else "ident"
            word = m.group()
            if kind == "ident" and word in ("forall", "exists"):
                out.append(Token("sym", _KEYWORD_SYMBOLS[word], i))
            else:
                out.append(Token(kind, word, i))
            i = m.end()
    out.append(Token("eof", "", len(text)))
    return out


# ----------------------------------------------------------------------------------------------- tree
@dataclass(frozen=True, slots=True)
class Node:
    """Untyped syntax: kind is ident/num/app/bin/not/quant/fun/anon; ``pos`` is a 0-based offset."""

    kind: str
    pos: int
    value: str = ""
    children: tuple[Node, ...] = ()
    binders: tuple[tuple[str, Node | None], ...] = field(default=())


_INFIX = {"↔": (20, "none"), "→": (25, "right"), "∨": (30, "right"), "∧": (35, "right"), "=": (50, "none"),
          "≠": (50, "none"), "+": (65, "left"), "*": (70, "left")}  # fmt: skip
_APP = 1024
MAX_NUMERAL = 256
"""Numerals are unary (``succ (succ …)``) as in the kernel, so they are kept small."""
_RESERVED = frozenset({"fun", "with", "at", "using", "only"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def at(self, sym: str) -> bool:
        return self.tok.kind == "sym" and self.tok.text == sym

    def expect(self, sym: str, what: str) -> Token:
        if not self.at(sym):
            raise LemmaSyntaxError(f"expected '{sym}' {what}, found {self._found()}", self.tok.pos + 1)
        return self.take()

    def _found(self) -> str:
        return "end of input" if self.tok.kind == "eof" else repr(self.tok.text)

    def starts_atom(self) -> bool:
        t = self.tok
        return (t.kind in ("ident", "num") and t.text not in _RESERVED) or (
            t.kind == "sym" and t.text in ("(", "⟨")
        )

    def expr(self, min_bp: int = 0) -> Node:
        left = self.prefix()
        while True:
            t = self.tok
            if t.kind == "sym" and t.text in _INFIX:
                bp, assoc = _INFIX[t.text]
                if bp < min_bp or (bp == min_bp and assoc != "right"):
                    break
                self.take()
                right = self.expr(bp if assoc == "right" else bp + 1)
                left = Node("bin", t.pos, t.text, (left, right))
                if assoc == "none" and self.tok.kind == "sym" and _INFIX.get(self.tok.text, (0,))[0] == bp:
                    raise LemmaSyntaxError(f"'{self.tok.text}' is not associative; add parentheses",
                                           self.tok.pos + 1)  # fmt: skip
                continue
            if self.starts_atom() and min_bp < _APP:
                args = []
                while self.starts_atom():
                    args.append(self.atom())
                left = Node("app", left.pos, "", (left, *args))
                continue
            break
        return left

    def prefix(self) -> Node:
        t = self.tok
        if t.kind == "sym" and t.text == "¬":
            self.take()
            return Node("not", t.pos, "", (self.expr(40),))
        if (t.kind == "sym" and t.text in ("∀", "∃")) or (t.kind == "ident" and t.text == "fun"):
            self.take()
            binders = self.binders()
            if t.text == "fun":
                self.expect("=>", "after the binders of 'fun'")
            else:
                self.expect(",", f"after the binders of '{t.text}'")
            body = self.expr(0)
            return Node("fun" if t.text == "fun" else "quant", t.pos, t.text, (body,), tuple(binders))
        if self.starts_atom():
            return self.atom()
        raise LemmaSyntaxError(f"expected an expression, found {self._found()}", t.pos + 1)

    def binders(self) -> list[tuple[str, Node | None]]:
        out: list[tuple[str, Node | None]] = []
        if self.at("("):
            while self.at("("):
                self.take()
                names = self.names()
                self.expect(":", "in a binder group '(x : T)'")
                typ = self.expr(0)
                self.expect(")", "to close the binder group")
                out += [(n, typ) for n in names]
            return out
        names = self.names()
        typ = None
        if self.at(":"):
            self.take()
            typ = self.expr(0)
        return [(n, typ) for n in names]

    def names(self) -> list[str]:
        names = []
        while self.tok.kind == "ident" and self.tok.text not in _RESERVED:
            names.append(self.take().text)
        if not names:
            raise LemmaSyntaxError(f"expected a variable name, found {self._found()}", self.tok.pos + 1)
        return names

    def atom(self) -> Node:
        t = self.take()
        if t.kind == "ident":
            return Node("ident", t.pos, t.text)
        if t.kind == "num":
            return Node("num", t.pos, t.text)
        if t.text == "(":
            inner = self.expr(0)
            self.expect(")", "to close '('")
            while self.at(".") and self.tokens[min(self.i + 1, len(self.tokens) - 1)].kind in (
                "ident",
                "num",
            ):
                self.take()
                fld = self.take()
                inner = Node("proj", fld.pos, fld.text, (inner,))
            return inner
        items = []
        if not self.at("⟩"):
            items.append(self.expr(0))
            while self.at(","):
                self.take()
                items.append(self.expr(0))
        self.expect("⟩", "to close '⟨'")
        return Node("anon", t.pos, "", tuple(items))


def parse_node(text: str) -> Node:
    """Parse a whole string as one expression."""
    p = _Parser(text)
    try:
        node = p.expr(0)
    except RecursionError as exc:
        raise LemmaSyntaxError("expression nested too deeply", 1) from exc
    if p.tok.kind != "eof":
        raise LemmaSyntaxError(f"unexpected {p._found()} after the expression", p.tok.pos + 1)
    return node


class NodeStream:
    """Incremental access for tactic syntax: read one expression, then look at what follows."""

    def __init__(self, text: str) -> None:
        self._p = _Parser(text)

    def expr(self) -> Node:
        return self._p.expr(0)

    def atom(self) -> Node:
        return self._p.atom()

    @property
    def tok(self) -> Token:
        return self._p.tok

    def take(self) -> Token:
        return self._p.take()

    def at(self, sym: str) -> bool:
        return self._p.at(sym)

    def expect(self, sym: str, what: str) -> Token:
        return self._p.expect(sym, what)

    def names(self) -> list[str]:
        return self._p.names()

    def done(self) -> bool:
        return self._p.tok.kind == "eof"

    def found(self) -> str:
        return self._p._found()


# ----------------------------------------------------------------------------------------------- typing
Scope = dict[str, Sort]


def to_sort(node: Node) -> Sort:
    if node.kind == "ident" and node.value == "Nat":
        return NAT
    if node.kind == "ident" and node.value == "Prop":
        return PROP
    if node.kind == "bin" and node.value == "→":
        left, right = node.children
        tail = to_sort(right)
        if to_sort(left) == NAT and isinstance(tail, PropSort):
            return PropSort(tail.arity + 1)
    raise LemmaSyntaxError("expected a type: Nat, Prop or Nat → … → Prop", node.pos + 1)


def to_term(node: Node, scope: Scope) -> Term:
    k = node.kind
    if k == "num":
        if len(node.value) > 4 or int(node.value) > MAX_NUMERAL:
            raise LemmaSyntaxError(f"numeral {node.value} is too large (at most {MAX_NUMERAL})", node.pos + 1)
        return numeral(int(node.value))
    if k == "ident":
        if node.value in ("Nat.zero", "zero"):
            return numeral(0)
        sort = scope.get(node.value)
        if sort == NAT:
            return Var(node.value)
        if sort is None:
            raise LemmaSyntaxError(f"unknown identifier '{node.value}'", node.pos + 1)
        raise LemmaSyntaxError(f"'{node.value}' is a {sort}, expected a natural number", node.pos + 1)
    if k == "bin" and node.value in ("+", "*"):
        left, right = (to_term(c, scope) for c in node.children)
        return Add(left, right) if node.value == "+" else Mul(left, right)
    if k == "app":
        fn, *args = node.children
        if fn.kind == "ident" and fn.value in ("succ", "Nat.succ") and len(args) == 1:
            return Succ(to_term(args[0], scope))
    raise LemmaSyntaxError("expected a natural-number term (variables, numerals, succ, +, *)", node.pos + 1)


def to_formula(node: Node, scope: Scope) -> Formula:
    k = node.kind
    if k == "ident":
        if node.value == "True":
            return TOP
        if node.value == "False":
            return BOT
        sort = scope.get(node.value)
        if sort == PROP:
            return Pred(node.value)
        if sort is None:
            raise LemmaSyntaxError(
                f"unknown identifier '{node.value}' (bind it, e.g. ∀ {node.value} : Prop, …)", node.pos + 1
            )
        raise LemmaSyntaxError(f"'{node.value}' is a {sort}, expected a proposition", node.pos + 1)
    if k == "not":
        return Not(to_formula(node.children[0], scope))
    if k == "bin":
        op = node.value
        if op in ("=", "≠"):
            left, right = (to_term(c, scope) for c in node.children)
            return Eq(left, right) if op == "=" else Not(Eq(left, right))
        if op in ("+", "*"):
            raise LemmaSyntaxError(f"'{op}' makes a number, expected a proposition", node.pos + 1)
        a, b = (to_formula(c, scope) for c in node.children)
        return {"∧": And, "∨": Or, "→": Imp, "↔": Iff}[op](a, b)
    if k == "app":
        fn, *args = node.children
        if fn.kind == "ident":
            sort = scope.get(fn.value)
            if isinstance(sort, PropSort) and sort.arity == len(args):
                return Pred(fn.value, tuple(to_term(a, scope) for a in args))
            if isinstance(sort, PropSort):
                raise LemmaSyntaxError(
                    f"'{fn.value}' takes {sort.arity} argument(s), given {len(args)}", fn.pos + 1
                )
            if sort is None and fn.value not in ("succ", "Nat.succ"):
                raise LemmaSyntaxError(f"unknown identifier '{fn.value}'", fn.pos + 1)
        raise LemmaSyntaxError("expected a proposition", node.pos + 1)
    if k == "quant":
        inner = dict(scope)
        sorts = []
        for name, typ in node.binders:
            sort = NAT if typ is None else to_sort(typ)
            sorts.append((name, sort))
            inner[name] = sort
        body = to_formula(node.children[0], inner)
        cls = Forall if node.value == "∀" else Exists
        for name, sort in reversed(sorts):
            body = cls(name, sort, body)
        return body
    if k == "num":
        raise LemmaSyntaxError(f"'{node.value}' is a number, expected a proposition", node.pos + 1)
    raise LemmaSyntaxError("expected a proposition", node.pos + 1)


def parse_formula(text: str, scope: Scope | None = None) -> Formula:
    """Parse a statement such as ``∀ p q : Prop, p ∧ q → q ∧ p``; raises :class:`LemmaSyntaxError`."""
    if not text.strip():
        raise LemmaSyntaxError("empty statement", 1)
    try:
        return to_formula(parse_node(text), dict(scope or {}))
    except RecursionError as exc:
        raise LemmaSyntaxError("expression nested too deeply", 1) from exc


def parse_term(text: str, scope: Scope | None = None) -> Term:
    return to_term(parse_node(text), dict(scope or {}))
