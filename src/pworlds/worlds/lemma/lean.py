"""Lean backend: the JSON protocol of the Lean community REPL (https://github.com/leanprover-community/repl).

Detection: the REPL command is ``$PWORLDS_LEAN_REPL`` (e.g. ``"lake env repl"`` run inside a Lean project),
else ``repl`` on PATH when ``lean`` is also on PATH. Without one, starting an episode fails with a one-line
message saying how to install it — this path and the detection are tested.

The live path (``theorem … := by sorry`` → proof state 0, then ``{"tactic": …, "proofState": n}``) follows
the REPL's README and is UNTESTED here: no Lean toolchain exists on the build machine.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from typing import Any

from psignal.errors import PworldsError
from pworlds.worlds.lemma.prover import TacticError

INSTALL_HINT = (
    "backend=lean needs the Lean REPL: install elan (curl https://elan.lean-lang.org/elan-init.sh -sSf | sh), "
    "build https://github.com/leanprover-community/repl with `lake build`, then set PWORLDS_LEAN_REPL='lake env repl'"
)


class LeanUnavailableError(PworldsError):
    """No Lean toolchain / REPL was found."""


def repl_command(env: dict[str, str] | None = None) -> list[str] | None:
    """The REPL command line, or None when no Lean toolchain is available."""
    env = dict(os.environ if env is None else env)
    explicit = env.get("PWORLDS_LEAN_REPL", "").strip()
    if explicit:
        cmd = shlex.split(explicit)
        return cmd if shutil.which(cmd[0], path=env.get("PATH")) else None
    if shutil.which("lean", path=env.get("PATH")) and shutil.which("repl", path=env.get("PATH")):
        return ["repl"]
    return None


def lean_signature(statement: str) -> str:
    """``(p : Prop) : p → p`` stays as is; a plain formula gets the ``: `` a theorem signature needs."""
    from pworlds.worlds.lemma.parser import LemmaSyntaxError
    from pworlds.worlds.lemma.prover import parse_statement

    text = statement.replace("succ ", "Nat.succ ")
    try:
        has_params = bool(parse_statement(statement).params)
    except LemmaSyntaxError:
        has_params = False
    return text if has_params else f": {text}"


class LeanBackend:  # pragma: no cover - live path needs a Lean toolchain (untested here)
    def __init__(self, statement: str) -> None:
        self.statement = lean_signature(statement)
        self.cmd = repl_command()
        if self.cmd is None:
            raise LeanUnavailableError(INSTALL_HINT)
        self.proc: subprocess.Popen[str] | None = None
        self.state_id: int | None = None
        self._goals: list[str] = []

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.proc is None:
            self.proc = subprocess.Popen(
                self.cmd,  # type: ignore[arg-type]
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(request) + "\n\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise PworldsError("the Lean REPL exited unexpectedly")
            if not line.strip() and lines:
                break
            lines.append(line)
        return json.loads("".join(lines))

    def start(self) -> None:
        answer = self._ask({"cmd": f"theorem pworlds_goal {self.statement} := by sorry"})
        sorries = answer.get("sorries") or []
        if not sorries:
            raise PworldsError(f"Lean rejected the statement: {answer.get('messages')}")
        self.state_id = sorries[0]["proofState"]
        self._goals = [sorries[0].get("goal", "")]

    def apply(self, tactic: str) -> None:
        answer = self._ask({"tactic": tactic, "proofState": self.state_id})
        errors = [m["data"] for m in answer.get("messages", []) if m.get("severity") == "error"]
        if "message" in answer or errors:
            raise TacticError(answer.get("message") or "; ".join(errors))
        self.state_id = answer["proofState"]
        self._goals = list(answer.get("goals", []))

    @property
    def done(self) -> bool:
        return not self._goals

    def goal_count(self) -> int:
        return len(self._goals)

    def text(self) -> str:
        return "\n\n".join(self._goals) if self._goals else "no goals"

    def goals(self) -> list[dict[str, Any]]:
        return [{"case": None, "hypotheses": [], "target": g} for g in self._goals]

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
