"""Bug synthesis: AST mutations of a correct module, kept only when a test catches them.

Why token edits on the original text instead of ``ast.unparse``: the buggy file must look like the
original with one small change (a clean one-line diff), not like reformatted code. ``ast`` finds the
sites and their positions; the edit swaps one operator, constant or keyword in place. Each candidate is
compiled, then graded by the same isolated runner as an agent's code; a mutant is kept when at least one
test that passes on the original fails on it (its FAIL_TO_PASS), and it becomes a task whose reference fix
is the original module.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator
from dataclasses import dataclass

_BINOP_SWAPS: dict[type, list[tuple[str, str]]] = {
    ast.Add: [("+", "-")],
    ast.Sub: [("-", "+")],
    ast.Mult: [("*", "/")],
    ast.Div: [("/", "*")],
    ast.FloorDiv: [("//", "/")],
    ast.Mod: [("%", "//")],
}
_AUG_SWAPS: dict[type, list[tuple[str, str]]] = {
    ast.Add: [("+=", "-=")],
    ast.Sub: [("-=", "+=")],
    ast.Mult: [("*=", "/=")],
}
_CMP_SWAPS: dict[type, list[tuple[str, str]]] = {
    ast.Lt: [("<", "<=")],
    ast.LtE: [("<=", "<")],
    ast.Gt: [(">", ">=")],
    ast.GtE: [(">=", ">")],
    ast.Eq: [("==", "!=")],
    ast.NotEq: [("!=", "==")],
    ast.In: [("in", "not in")],
    ast.NotIn: [("not in", "in")],
    ast.Is: [("is", "is not")],
    ast.IsNot: [("is not", "is")],
}
_BOOL_SWAPS: dict[type, tuple[str, str]] = {ast.And: ("and", "or"), ast.Or: ("or", "and")}


@dataclass(frozen=True, slots=True)
class Mutation:
    """One in-place edit: replace bytes ``[start, end)`` of line ``line`` (1-based) with ``new``."""

    line: int
    start: int
    end: int
    new: str
    operator: str
    description: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        raw = lines[self.line - 1].encode("utf-8")
        lines[self.line - 1] = (raw[: self.start] + self.new.encode("utf-8") + raw[self.end :]).decode(
            "utf-8"
        )
        return "".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {"operator": self.operator, "line": self.line, "description": self.description}


def _gap_edit(
    lines: list[bytes], left: ast.AST, right: ast.AST, old: str, new: str, operator: str, what: str
) -> Mutation | None:
    """Swap the operator token that sits between two nodes on one line."""
    if left.end_lineno != right.lineno or left.end_col_offset is None:
        return None
    row = lines[left.end_lineno - 1]
    gap = row[left.end_col_offset : right.col_offset]
    token = old.encode()
    # Find the token as a whole word/symbol, preferring the last occurrence (closest to the right operand).
    index = _find_token(gap, token)
    if index < 0:
        return None
    start = left.end_col_offset + index
    return Mutation(
        left.end_lineno, start, start + len(token), new, operator, f"line {left.end_lineno}: {what}"
    )


def _find_token(gap: bytes, token: bytes) -> int:
    positions = []
    i = gap.find(token)
    while i >= 0:
        before = gap[i - 1 : i]
        after = gap[i + len(token) : i + len(token) + 1]
        symbolic = not token.isalpha() and not token.replace(b" ", b"").isalpha()
        if symbolic:
            ok = before not in (b"=", b"<", b">", b"!", b"/", b"*") and after not in (b"=", b"/", b"*")
        else:
            ok = not before.isalnum() and not after.isalnum()
        if ok:
            positions.append(i)
        i = gap.find(token, i + 1)
    return positions[-1] if len(positions) == 1 else -1


def find_mutations(source: str) -> list[Mutation]:
    """Every candidate mutation of ``source``, in source order (deterministic)."""
    tree = ast.parse(source)
    lines = [line.encode("utf-8") for line in source.splitlines(keepends=True)]
    found: list[Mutation] = []
    docstrings = _docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            continue
        if isinstance(node, ast.BinOp):
            for old, new in _BINOP_SWAPS.get(type(node.op), []):
                m = _gap_edit(lines, node.left, node.right, old, new, "binop", f"'{old}' -> '{new}'")
                found += [m] if m else []
        elif isinstance(node, ast.AugAssign):
            for old, new in _AUG_SWAPS.get(type(node.op), []):
                m = _gap_edit(lines, node.target, node.value, old, new, "augassign", f"'{old}' -> '{new}'")
                found += [m] if m else []
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            for old, new in _CMP_SWAPS.get(type(node.ops[0]), []):
                m = _gap_edit(
                    lines, node.left, node.comparators[0], old, new, "compare", f"'{old}' -> '{new}'"
                )
                found += [m] if m else []
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            old, new = _BOOL_SWAPS[type(node.op)]
            m = _gap_edit(lines, node.values[0], node.values[1], old, new, "boolop", f"'{old}' -> '{new}'")
            found += [m] if m else []
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            if node.lineno == node.operand.lineno and node.col_offset is not None:
                row = lines[node.lineno - 1]
                if row[node.col_offset : node.operand.col_offset].strip() == b"not":
                    found.append(
                        Mutation(
                            node.lineno,
                            node.col_offset,
                            node.operand.col_offset,
                            "",
                            "not",
                            f"line {node.lineno}: drop 'not'",
                        )
                    )
        elif isinstance(node, ast.Constant) and node not in docstrings and node.lineno == node.end_lineno:
            found += _constant_mutations(node)
    found.sort(key=lambda m: (m.line, m.start, m.operator, m.new))
    return found


def _constant_mutations(node: ast.Constant) -> list[Mutation]:
    value = node.value
    line, start, end = node.lineno, node.col_offset, node.end_col_offset
    if end is None:
        return []
    if isinstance(value, bool):
        return [Mutation(line, start, end, str(not value), "bool", f"line {line}: {value} -> {not value}")]
    if isinstance(value, int):
        return [
            Mutation(line, start, end, str(value + 1), "int", f"line {line}: {value} -> {value + 1}"),
            Mutation(line, start, end, str(value - 1), "int", f"line {line}: {value} -> {value - 1}")
            if value > 0
            else Mutation(line, start, end, str(value + 2), "int", f"line {line}: {value} -> {value + 2}"),
        ]
    return []


def _docstring_nodes(tree: ast.AST) -> set[ast.AST]:
    nodes: set[ast.AST] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            nodes.add(first.value)
    return nodes


def mutants(source: str, seed: int) -> Iterator[tuple[Mutation, str]]:
    """Candidate (mutation, mutated source) pairs in a seeded order; each one compiles."""
    candidates = find_mutations(source)
    random.Random(seed).shuffle(candidates)
    seen: set[str] = set()
    for mutation in candidates:
        mutated = mutation.apply(source)
        if mutated == source or mutated in seen:
            continue
        try:
            compile(mutated, "<mutant>", "exec")
        except SyntaxError:
            continue
        seen.add(mutated)
        yield mutation, mutated
