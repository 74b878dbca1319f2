"""Coq backend: a persistent ``coqtop -emacs`` process, one tactic per round-trip.

``coqtop -emacs`` ends every answer with ``<prompt>NAME < N |NAME| M < </prompt>``; we write one sentence,
read up to that marker and parse goals (``N goals`` … ``====`` … target) or ``Error:`` text into the same
observation shape as the built-in backend. A failed tactic does not advance Coq's state, so "invalid step,
state unchanged" holds. One process serves a whole episode and is reused across resets (``Abort All``
then a new ``Theorem``), so only the first reset pays the start-up (~0.1 s).

Library statements are exported to Coq syntax by :func:`coq_statement`; :func:`coq_reference_proof` gives
a Coq proof (the theorem's ``coq:`` field or a fixed automation script) used by the cross-check.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import subprocess
import tempfile
import time
from typing import Any

from psignal.errors import PworldsError
from pworlds.worlds.lemma.prover import TacticError
from pworlds.worlds.lemma.syntax import (
    NAT,
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
    PropSort,
    Sort,
    Succ,
    Term,
    Top,
    Var,
    Zero,
)

PROMPT_END = b"</prompt>"
AUTOMATION = "intros; solve [ tauto | lia | ring | congruence | nia | firstorder ]"
PRELUDE = "Require Import Lia Arith."


class CoqUnavailableError(PworldsError):
    """``coqtop`` is not installed."""


def coqtop_path() -> str | None:
    return shutil.which("coqtop")


# ----------------------------------------------------------------------------------------------- export
def _coq_sort(sort: Sort) -> str:
    if sort == NAT:
        return "nat"
    assert isinstance(sort, PropSort)
    return " -> ".join(["nat"] * sort.arity + ["Prop"])


def coq_term(t: Term) -> str:
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
        return f"(S {coq_term(t.arg)})"
    op = "+" if isinstance(t, Add) else "*"
    return f"({coq_term(t.left)} {op} {coq_term(t.right)})"  # type: ignore[union-attr]


def coq_formula(f: Formula) -> str:
    """Fully parenthesised Coq syntax (no precedence surprises)."""
    if isinstance(f, Pred):
        return f.name if not f.args else f"({' '.join([f.name, *(coq_term(a) for a in f.args)])})"
    if isinstance(f, Eq):
        return f"({coq_term(f.left)} = {coq_term(f.right)})"
    if isinstance(f, Top):
        return "True"
    if isinstance(f, Bot):
        return "False"
    if isinstance(f, Not):
        return f"(~ {coq_formula(f.arg)})"
    if isinstance(f, (And, Or, Imp, Iff)):
        op = {And: "/\\", Or: "\\/", Imp: "->", Iff: "<->"}[type(f)]
        return f"({coq_formula(f.left)} {op} {coq_formula(f.right)})"
    if isinstance(f, (Forall, Exists)):
        q = "forall" if isinstance(f, Forall) else "exists"
        return f"({q} {f.var} : {_coq_sort(f.sort)}, {coq_formula(f.body)})"
    raise TypeError(f"not a formula: {f!r}")


def coq_statement(theorem: Any) -> str:
    return coq_formula(theorem.statement.closed)


def coq_reference_proof(theorem: Any) -> list[str]:
    return [theorem.coq or f"{AUTOMATION}."]


# ----------------------------------------------------------------------------------------------- process
class CoqSession:
    """A running ``coqtop -emacs``; :meth:`send` runs one sentence and returns Coq's answer text."""

    def __init__(self, timeout_s: float = 30.0, prelude: str | None = PRELUDE) -> None:
        path = coqtop_path()
        if path is None:
            raise CoqUnavailableError(
                "backend=coq needs coqtop on PATH; install it with: apt-get install -y coq (or opam install coq)"
            )
        t0 = time.perf_counter()
        # lia/nia write .lia.cache/.nia.cache into the working directory: keep them in a private scratch dir
        self.scratch = tempfile.mkdtemp(prefix="pworlds-coq-")
        self.proc = subprocess.Popen(
            [path, "-emacs", "-quiet"],
            cwd=self.scratch,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            bufsize=0,
        )
        self.timeout_s = timeout_s
        self._sel = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        self._read()
        if prelude:
            self.send(prelude)
        self.start_s = time.perf_counter() - t0

    def _read(self) -> str:
        buf = bytearray()
        deadline = time.monotonic() + self.timeout_s
        fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        while PROMPT_END not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self._sel.select(left):
                self.close()
                raise PworldsError(
                    f"coqtop did not answer within {self.timeout_s:.0f} s; the session was stopped"
                )
            chunk = os.read(fd, 65536)
            if not chunk:
                raise PworldsError("coqtop exited unexpectedly")
            buf += chunk
        text = buf.decode("utf-8", "replace")
        return re.sub(r"<prompt>.*?</prompt>", "", text, flags=re.S).strip()

    def send(self, sentence: str) -> str:
        if self.proc.poll() is not None:
            raise PworldsError("coqtop is not running")
        sentence = sentence.strip().replace("\n", " ")
        if not sentence.endswith("."):
            sentence += "."
        self.proc.stdin.write(sentence.encode() + b"\n")  # type: ignore[union-attr]
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._sel.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def error_of(answer: str) -> str | None:
    m = re.search(r"Error:\s*(.*)", answer, flags=re.S)
    if not m:
        return None
    return " ".join(m.group(1).split())


def parse_goals(answer: str) -> tuple[list[dict[str, Any]], bool]:
    """(goals, finished) from a coqtop answer."""
    if "No more goals" in answer or "no more goals" in answer.lower():
        return [], True
    lines = answer.splitlines()
    goals: list[dict[str, Any]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"\s*=+\s*$", line):
            hyps: list[dict[str, Any]] = []
            j = i - 1
            block: list[str] = []
            while j >= 0 and lines[j].strip() and not re.match(r"\d+ goals?|goal \d+", lines[j].strip()):
                block.insert(0, lines[j])
                j -= 1
            for h in block:
                if re.match(r"\s{2}\S", h) and " : " in h:
                    names, _, typ = h.strip().partition(" : ")
                    hyps.append({"name": names, "type": typ.strip(), "kind": "hyp"})
                elif hyps:
                    hyps[-1]["type"] += " " + h.strip()
            target, i = _read_target(lines, i + 1)
            goals.append({"case": None, "hypotheses": hyps, "target": target})
            continue
        m = re.match(r"goal (\d+)(?: \(ID \d+\))? is:", line.strip())
        if m:
            target, i = _read_target(lines, i + 1)
            goals.append({"case": None, "hypotheses": [], "target": target})
            continue
        i += 1
    return goals, False


def _read_target(lines: list[str], i: int) -> tuple[str, int]:
    parts = []
    while i < len(lines) and lines[i].strip() and not re.match(r"goal \d+", lines[i].strip()):
        parts.append(lines[i].strip())
        i += 1
    return " ".join(parts), i


# ----------------------------------------------------------------------------------------------- backend
class CoqBackend:
    """One theorem in a (possibly shared) :class:`CoqSession`."""

    def __init__(self, statement: str, session: CoqSession) -> None:
        self.statement = statement
        self.session = session
        self._goals: list[dict[str, Any]] = []
        self._text = ""
        self._done = False

    def start(self) -> None:
        self.session.send("Abort All")
        answer = self.session.send(f"Theorem pworlds_goal : {self.statement}")
        err = error_of(answer)
        if err:
            raise PworldsError(f"Coq rejected the statement {self.statement!r}: {err}")
        self._update(answer)

    def _update(self, answer: str) -> None:
        self._goals, self._done = parse_goals(answer)
        # Coq's "(ID n)" counters depend on the session's history; drop them so observations are deterministic
        self._text = "no goals" if self._done else re.sub(r" \(ID \d+\)", "", answer)

    def apply(self, tactic: str) -> None:
        sentence = tactic.strip().rstrip(".").strip()
        if not sentence:
            raise TacticError("empty tactic")
        if re.search(r"\.(\s|$)", sentence):
            raise TacticError("one tactic per step: the text contains more than one Coq sentence")
        if sentence[0].isupper() or sentence.split()[0] in ("Qed", "Admitted", "Abort", "Restart", "Back"):
            raise TacticError(f"{sentence.split()[0]!r} is a Coq command, not a tactic")
        answer = self.session.send(sentence)
        err = error_of(answer)
        if err is not None:
            raise TacticError(err)
        if not answer and not self._done:
            answer = self.session.send("Show")
        self._update(answer)

    @property
    def done(self) -> bool:
        return self._done

    def goal_count(self) -> int:
        return len(self._goals)

    def text(self) -> str:
        return self._text

    def goals(self) -> list[dict[str, Any]]:
        return self._goals

    def close(self) -> None:
        pass


# ----------------------------------------------------------------------------------------------- cross-check
def prove_in_coq(
    session: CoqSession, name: str, statement: str, script: list[str], timeout_s: int = 20
) -> str | None:
    """Prove ``statement`` with ``script`` and ``Qed``; None on success, else Coq's error (session is left clean)."""
    problem: str | None = None
    answer = session.send(f"Theorem {name} : {statement}")
    problem = error_of(answer)
    if problem is None:
        for tactic in script:
            answer = session.send(f"Timeout {timeout_s} {tactic.rstrip('.')}")
            problem = error_of(answer)
            if problem:
                break
    if problem is None:
        problem = error_of(session.send("Qed"))
    if problem is not None:
        session.send("Abort All")
    return problem


def cross_check(theorems: list[Any], session: CoqSession | None = None) -> dict[str, str | None]:
    """Export each theorem to Coq and prove it with its Coq reference proof: name -> None or the error."""
    own = session is None
    session = session or CoqSession()
    try:
        return {
            t.name: prove_in_coq(session, f"pw_{t.name}", coq_statement(t), coq_reference_proof(t))
            for t in theorems
        }
    finally:
        if own:
            session.close()
