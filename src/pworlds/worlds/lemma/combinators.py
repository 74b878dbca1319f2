"""Tactic combinators: ``t1; t2`` (or newlines), ``t1 <;> t2``, and Lean 4's structured alternatives
``cases h with | inl a => … | inr b => …`` / ``induction n with | zero => … | succ k ih => …``.

A step is atomic: if any part fails, the whole step fails and the proof state is unchanged (states are
immutable, so this needs no undo). Each alternative must close its own goal, as in Lean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from pworlds.worlds.lemma.goals import ProofState
from pworlds.worlds.lemma.syntax import Formula
from pworlds.worlds.lemma.tactics import TacticError, run_single

_OPEN, _CLOSE = "([⟨", ")]⟩"
_STRUCTURED = re.compile(r"^(cases|induction)\s+(\S+)\s+with\s*\|(.*)$", re.S)


def split_top(text: str, seps: tuple[str, ...]) -> list[tuple[str, str]]:
    """Split at separators outside brackets; returns (separator before the part, part)."""
    parts: list[tuple[str, str]] = []
    depth, start, sep_before, i = 0, 0, "", 0
    while i < len(text):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif depth == 0:
            hit = next((s for s in seps if text.startswith(s, i)), None)
            if hit:
                parts.append((sep_before, text[start:i]))
                sep_before, start = hit, i + len(hit)
                i += len(hit)
                continue
        i += 1
    parts.append((sep_before, text[start:]))
    return [(sep, part.strip()) for sep, part in parts if part.strip()]


def run_tactic(state: ProofState, text: str, lemmas: Mapping[str, Formula]) -> ProofState:
    """Run a tactic text (possibly a sequence) on the first goal."""
    text = text.strip()
    if not text:
        raise TacticError("empty tactic")
    if text.startswith("rintro") and (len(text) == 6 or text[6].isspace()):
        return _rintro(state, text[6:], lemmas)
    structured = _STRUCTURED.match(text)
    if structured:
        return _alternatives(state, structured.group(1), structured.group(2), structured.group(3), lemmas)
    steps = split_top(text, ("<;>", ";", "\n"))
    if not steps:
        raise TacticError("empty tactic")
    if len(steps) == 1:
        return run_single(state, steps[0][1], lemmas)
    before: set[int] = set()
    for sep, step in steps:
        if sep == "<;>":
            state = _all_new_goals(state, before, step, lemmas)
            continue
        if not state.goals:
            raise TacticError(f"no goals to be proved (at '{step}')")
        before = {g.id for g in state.goals}
        state = run_tactic(state, step, lemmas)
    return state


def _all_new_goals(
    state: ProofState, before: set[int], step: str, lemmas: Mapping[str, Formula]
) -> ProofState:
    """``t <;> step``: run ``step`` on every goal ``t`` created."""
    targets = [g.id for g in state.goals if g.id not in before]
    for gid in targets:
        goal = next(g for g in state.goals if g.id == gid)
        state = ProofState((goal, *(g for g in state.goals if g.id != gid)), state.assign, state.next_id)
        state = run_tactic(state, step, lemmas)
    return state


def _solve_alone(
    state: ProofState, goal_id: int, script: str, label: str, lemmas: Mapping[str, Formula]
) -> ProofState:
    """Run ``script`` on one goal in isolation; it must close that goal."""
    goal = next(g for g in state.goals if g.id == goal_id)
    sub = run_tactic(ProofState((goal,), state.assign, state.next_id), script, lemmas)
    if sub.goals:
        raise TacticError(f"unsolved goals in alternative '{label}'")
    rest = tuple(g for g in state.goals if g.id != goal_id)
    return replace(state, goals=rest, assign=sub.assign, next_id=sub.next_id)


def _alternatives(
    state: ProofState, kind: str, target: str, body: str, lemmas: Mapping[str, Formula]
) -> ProofState:
    alts: list[tuple[str, list[str], str]] = []
    for _sep, alt in split_top("|" + body, ("|",)):
        head, arrow, script = alt.partition("=>")
        if not arrow:
            raise TacticError(f"{kind}: each alternative is '| name args => tactics', got '| {alt}'")
        words = head.split()
        if not words:
            raise TacticError(f"{kind}: alternative without a constructor name")
        alts.append((words[0], words[1:], script.strip()))
    by_name = {name: (args, script) for name, args, script in alts}
    if kind == "induction":
        k, ih = (by_name.get("succ", ([], ""))[0] + ["", ""])[:2]
        names = " ".join(n for n in (k, ih) if n)
        state = run_single(state, f"induction {target}" + (f" with {names}" if names else ""), lemmas)
        created = state.goals[:2]
    else:
        if "inl" in by_name or "inr" in by_name:
            left = (by_name.get("inl", (["h"], ""))[0] or ["h"])[0]
            right = (by_name.get("inr", (["h"], ""))[0] or ["h"])[0]
            state = run_single(state, f"rcases {target} with {left} | {right}", lemmas)
            created = state.goals[:2]
        else:
            args = by_name.get("intro", ([], ""))[0]
            state = run_single(state, f"cases {target}" + (f" with {' '.join(args)}" if args else ""), lemmas)
            created = state.goals[:1]
    cases = {g.case or "intro": g.id for g in created}
    unknown = set(by_name) - set(cases)
    if unknown:
        raise TacticError(f"{kind}: invalid alternative name(s) {sorted(unknown)}; expected {sorted(cases)}")
    for case, gid in cases.items():
        if case not in by_name:
            raise TacticError(f"{kind}: alternative '{case}' has not been provided")
        state = _solve_alone(state, gid, by_name[case][1], case, lemmas)
    return state


def _rintro(state: ProofState, rest: str, lemmas: Mapping[str, Formula]) -> ProofState:
    """Mathlib's ``rintro p₁ p₂ …``: intro each argument, destructuring patterns with ``rcases``; the
    remaining patterns apply in every branch an alternative pattern creates."""
    from pworlds.worlds.lemma.destructuring import pattern_text, read_patterns
    from pworlds.worlds.lemma.parser import LemmaSyntaxError, NodeStream

    try:
        patterns = read_patterns(NodeStream(rest))
    except LemmaSyntaxError as exc:
        raise TacticError(f"rintro: column {exc.column + 7}: {exc.message}") from exc
    if not patterns:
        return run_single(state, "intros", lemmas)
    first, others = patterns[0], patterns[1:]
    if isinstance(first, str):
        state = run_single(state, f"intro {first}", lemmas)
        before = {g.id for g in state.goals[1:]}
    else:
        tmp = state.goals[0].fresh("h") if state.goals else "h"
        state = run_single(state, f"intro {tmp}", lemmas)
        before = {g.id for g in state.goals[1:]}
        state = run_single(state, f"rcases {tmp} with {pattern_text(first)}", lemmas)
    if others:
        tail = " ".join(pattern_text(p) for p in others)
        state = _all_new_goals(state, before, f"rintro {tail}", lemmas)
    return state
