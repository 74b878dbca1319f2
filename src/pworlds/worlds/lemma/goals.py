"""Proof states: open goals (context ⊢ target) over a partial proof term, and their Lean-style printing.

A goal's context is what the agent sees; the kernel context at the goal's hole is always a superset with the
same types (cleared hypotheses stay bound in the term; ``hidden`` remembers variables the agent no longer
sees so that new names never collide with them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pworlds.worlds.lemma.kernel import Hole, Hyp, Let, Proof
from pworlds.worlds.lemma.printer import formula_str
from pworlds.worlds.lemma.syntax import NAT, Formula, PropSort, Sort, free_names, fresh

Entry = tuple[str, Any]  # (name, Sort) for a variable, (name, Formula) for a hypothesis


def is_sort(x: object) -> bool:
    return x == NAT or isinstance(x, PropSort)


@dataclass(frozen=True, slots=True)
class Goal:
    id: int
    ctx: tuple[Entry, ...]
    target: Formula
    case: str | None = None
    hidden: frozenset[str] = field(default=frozenset())

    def names(self) -> set[str]:
        return {n for n, _ in self.ctx} | set(self.hidden)

    def scope(self) -> dict[str, Sort]:
        return {n: t for n, t in self.ctx if is_sort(t)}

    def hyp(self, name: str) -> Formula | None:
        for n, t in reversed(self.ctx):
            if n == name:
                return None if is_sort(t) else t
        return None

    def hyps(self) -> list[tuple[str, Formula]]:
        return [(n, t) for n, t in self.ctx if not is_sort(t)]

    def fresh(self, base: str) -> str:
        return fresh(base, self.names())

    def add_var(self, name: str, sort: Sort) -> tuple[Goal, str]:
        """Add a variable under a fresh version of ``name``; returns the goal and the name used."""
        name = self.fresh(name)
        return replace(self, ctx=(*self.ctx, (name, sort))), name

    def add_hyp(self, name: str, typ: Formula) -> tuple[Goal, Callable[[Proof], Proof]]:
        """Add ``name : typ``. An older hypothesis of that name becomes ``name✝`` (as in Lean); the returned
        wrapper adds the ``let`` that keeps it reachable in the proof term under its new name."""
        ctx = list(self.ctx)
        wrap: Callable[[Proof], Proof] = lambda p: p  # noqa: E731
        for i, (n, t) in enumerate(ctx):
            if n == name:
                if is_sort(t):
                    raise ValueError(f"'{name}' is already a variable; choose another hypothesis name")
                old = fresh(f"{name}✝", self.names())
                ctx[i] = (old, t)
                wrap = lambda p, old=old, t=t: Let(old, t, Hyp(name), p)  # noqa: E731
        return replace(self, ctx=(*ctx, (name, typ))), wrap

    def without(self, name: str) -> Goal:
        return replace(self, ctx=tuple(e for e in self.ctx if e[0] != name))


@dataclass(frozen=True, slots=True)
class ProofState:
    goals: tuple[Goal, ...]
    assign: dict[int, Proof]
    next_id: int

    @staticmethod
    def start(statement: Formula) -> ProofState:
        return ProofState((Goal(0, (), statement),), {}, 1)

    def new_goal(self, goal: Goal, **changes: Any) -> tuple[ProofState, Goal]:
        """A fresh hole with ``goal``'s fields overridden by ``changes``."""
        g = replace(goal, id=self.next_id, **changes)
        return replace(self, next_id=self.next_id + 1), g

    def close(self, goal: Goal, proof: Proof, new_goals: list[Goal]) -> ProofState:
        """Fill ``goal`` with ``proof`` (whose holes are ``new_goals``), keeping new goals first."""
        rest = tuple(g for g in self.goals if g.id != goal.id)
        return ProofState((*new_goals, *rest), {**self.assign, goal.id: proof}, self.next_id)

    def term(self) -> Proof:
        """The proof term with every assigned hole filled in (open holes stay ``Hole``)."""
        return _fill(Hole(0), self.assign)


def hole_goal(state: ProofState, goal: Goal, **changes: Any) -> tuple[ProofState, Goal, Hole]:
    """A new goal like ``goal`` (with ``changes``) and the hole that stands for its proof."""
    state, g = state.new_goal(goal, **changes)
    return state, g, Hole(g.id)


def _fill(p: Proof, assign: dict[int, Proof]) -> Proof:
    if isinstance(p, Hole):
        return _fill(assign[p.id], assign) if p.id in assign else p
    if not hasattr(p, "__dataclass_fields__"):
        return p
    changes = {}
    for name in p.__dataclass_fields__:
        v = getattr(p, name)
        if hasattr(v, "__dataclass_fields__") and type(v).__module__.endswith("kernel"):
            changes[name] = _fill(v, assign)
    return replace(p, **changes) if changes else p


# ----------------------------------------------------------------------------------------------- printing
def goal_text(goal: Goal) -> str:
    """``h : p ⊢ p`` in Lean's layout: one line per hypothesis, consecutive same types grouped."""
    lines: list[str] = []
    if goal.case:
        lines.append(f"case {goal.case}")
    group: list[str] = []
    last: str | None = None
    for name, t in goal.ctx:
        typ = str(t) if is_sort(t) else formula_str(t)
        if typ == last:
            group.append(name)
            continue
        if group:
            lines.append(f"{' '.join(group)} : {last}")
        group, last = [name], typ
    if group:
        lines.append(f"{' '.join(group)} : {last}")
    lines.append(f"⊢ {formula_str(goal.target)}")
    return "\n".join(lines)


def state_text(state: ProofState) -> str:
    if not state.goals:
        return "no goals"
    blocks = [goal_text(g) for g in state.goals]
    head = "" if len(blocks) == 1 else f"{len(blocks)} goals\n"
    return head + "\n\n".join(blocks)


def goal_json(goal: Goal) -> dict[str, Any]:
    return {
        "case": goal.case,
        "hypotheses": [
            {
                "name": n,
                "type": str(t) if is_sort(t) else formula_str(t),
                "kind": "var" if is_sort(t) else "hyp",
            }
            for n, t in goal.ctx
        ],
        "target": formula_str(goal.target),
    }


def mentions(f: Formula, name: str) -> bool:
    return name in free_names(f)
