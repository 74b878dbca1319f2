"""Proof scripts on disk: ``theorem NAME STATEMENT := by`` followed by one tactic per line (Lean layout).

This is also what the world writes as ``proof.lean`` in a task folder, so a recorded proof can be
re-checked with ``pworlds lemma prove DIR/proof.lean``. ``--`` starts a comment; blank lines are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pworlds.worlds.lemma.prover import Statement, parse_statement

_HEADER = re.compile(r"^\s*(theorem|lemma|example)\s*(?P<rest>.*)$", re.S)


@dataclass(frozen=True, slots=True)
class ProofScript:
    name: str
    statement: Statement
    tactics: list[tuple[int, str]]  # (1-based line number, tactic)


def read_proof_file(text: str) -> ProofScript:
    """Raises ``ValueError`` for a malformed layout and ``LemmaSyntaxError`` for a bad statement."""
    lines = [line.split("--", 1)[0] for line in text.splitlines()]
    joined = "\n".join(lines)
    marker = joined.find(":= by")
    if marker < 0:
        raise ValueError("expected 'theorem NAME STATEMENT := by' followed by one tactic per line")
    header = _HEADER.match(joined[:marker])
    if not header:
        raise ValueError("the script must start with 'theorem', 'lemma' or 'example'")
    rest = header.group("rest").strip()
    name = "example"
    if header.group(1) != "example":
        name, _, rest = rest.partition(" ")
        if not name:
            raise ValueError("the theorem needs a name: 'theorem NAME STATEMENT := by'")
    statement = parse_statement(rest.strip())
    first_line = joined[:marker].count("\n") + 1
    tail = joined[marker + len(":= by") :].split("\n")
    tactics = []
    for offset, line in enumerate(tail):
        if line.strip() and line.strip() != "sorry":
            tactics.append((first_line + offset, line.strip()))
    return ProofScript(name, statement, tactics)
