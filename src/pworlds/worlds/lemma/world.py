"""LemmaWorld: prove a theorem one Lean 4 tactic at a time; the kernel has the last word.

Rewards (the one place they are defined):

==========================================  ======================================================
event                                       reward
==========================================  ======================================================
tactic that closes the last goal            ``+1.0``, episode terminated (after the kernel checked
                                            the whole proof term against the statement)
any other valid tactic                      ``-0.01`` (plus ``+0.05`` per goal closed when
                                            ``shaping: true``; off by default)
tactic that does not apply / does not parse ``-0.1``, proof state unchanged, Lean-like error text
==========================================  ======================================================

State is ``{"backend", "statement", "tactics"}``: restoring re-runs the tactics from the start, which is
cheap (built-in tactics take microseconds) and keeps the state small, complete and deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from psignal.errors import ActionParseError, StateError, UsageError
from psignal.world import Action, ActionSpec, Observation, StepResult, TaskInfo, World, WorldConfig
from pworlds.worlds.lemma.backend import Backend, BuiltinBackend
from pworlds.worlds.lemma.parser import LemmaSyntaxError
from pworlds.worlds.lemma.prover import TacticError, parse_statement
from pworlds.worlds.lemma.theorems import by_name, lemmas_before, theorems

REWARDS = {"solved": 1.0, "step": -0.01, "invalid": -0.1, "goal_closed": 0.05}
CUSTOM = "custom"


class LemmaConfig(WorldConfig):
    statement: str | None = None
    """A custom theorem (Lean syntax for builtin/lean, Coq syntax for coq); its task is named 'custom'."""
    backend: Literal["builtin", "coq", "lean"] = "builtin"
    shaping: bool = False
    """Add +0.05 per goal closed by a step (progress shaping); off by default."""


class TacticArgs(BaseModel):
    tactic: str = Field(description="One Lean 4 tactic, e.g. 'intro h', 'exact h', 'rw [Nat.add_comm]'.")


_EXAMPLES = tuple(
    {"tactic": t}
    for t in ("intro h", "exact h", "intros", "assumption", "constructor", "left", "right", "apply h",
              "rfl", "simp", "induction n", "exfalso", "contradiction", "trivial", "cases h")
)  # fmt: skip
_ACTIONS = [
    ActionSpec.from_model(
        "tactic", "Apply one Lean 4 tactic to the first goal of the proof.", TacticArgs, examples=_EXAMPLES
    )
]


class LemmaWorld(World):
    name: ClassVar[str] = "lemma"
    version: ClassVar[str] = "1"
    Config: ClassVar[type[WorldConfig]] = LemmaConfig
    invalid_reward: ClassVar[float] = REWARDS["invalid"]

    def __init__(self, config: Mapping[str, Any] | WorldConfig | None = None) -> None:
        super().__init__(config)
        self.cfg: LemmaConfig = self.config  # type: ignore[assignment]
        self.backend: Backend | None = None
        self.tactics: list[str] = []
        self._tasks: dict[str, TaskInfo] | None = None
        self._pending_task: str | None = None
        self._coq: Any = None  # one coqtop per world, reused across resets
        if self.cfg.statement is not None and self.cfg.backend != "coq":
            try:
                parse_statement(self.cfg.statement)
            except LemmaSyntaxError as exc:
                raise UsageError(f"lemma: --statement {exc}; e.g. '∀ p q : Prop, p ∧ q → q ∧ p'") from exc

    # ------------------------------------------------------------------------------------------ tasks
    def tasks(self) -> Mapping[str, TaskInfo]:
        if self._tasks is None:
            out: dict[str, TaskInfo] = {}
            if self.cfg.statement is not None:
                out[CUSTOM] = TaskInfo(CUSTOM, f"Prove: {self.cfg.statement}", ("custom",))
            for t in theorems():
                out[t.name] = TaskInfo(t.name, f"Prove: theorem {t.name} {t.statement.lean()}", t.tags)
            self._tasks = out
        return self._tasks

    def statement_text(self) -> str:
        """The statement in the backend's language (Coq syntax for backend=coq, Lean otherwise)."""
        if self.task == CUSTOM:
            return self.cfg.statement or ""
        theorem = by_name()[self.task or ""]
        if self.cfg.backend == "coq":
            from pworlds.worlds.lemma.coq import coq_statement

            return coq_statement(theorem)
        return theorem.statement.lean()

    def instruction(self) -> str:
        name = self.task or ""
        lang = "Coq" if self.cfg.backend == "coq" else "Lean 4"
        return (
            f"Prove the theorem below with {lang} tactics, one tactic per step "
            f"(e.g. 'intro h', then 'exact h'). The episode ends when no goals are left.\n\n"
            + (
                f"Theorem {name} : {self.statement_text()}."
                if lang == "Coq"
                else f"theorem {name} {self.statement_text()}"
            )
        )

    def actions(self) -> list[ActionSpec]:
        return _ACTIONS

    def parse_action(self, text: str) -> Action:
        stripped = text.strip()
        if stripped.startswith("{"):
            return super().parse_action(stripped)
        if not stripped:
            raise ActionParseError("empty tactic; type one, e.g. 'intro h'")
        return {"name": "tactic", "arguments": {"tactic": stripped}}

    def reference_solution(self) -> list[Action] | None:
        if self.task == CUSTOM or self.task is None:
            return None
        thm = by_name()[self.task]
        if self.cfg.backend == "coq":
            from pworlds.worlds.lemma.coq import coq_reference_proof

            return [{"name": "tactic", "arguments": {"tactic": t}} for t in coq_reference_proof(thm)]
        return [{"name": "tactic", "arguments": {"tactic": t}} for t in thm.proof]

    # ------------------------------------------------------------------------------------------ episode
    def _make_backend(self) -> Backend:
        task = self.task or ""
        if self.cfg.backend == "builtin":
            if task == CUSTOM:
                return BuiltinBackend(parse_statement(self.cfg.statement or ""), lemmas_before(None))
            return BuiltinBackend(by_name()[task].statement, lemmas_before(task))
        if self.cfg.backend == "coq":
            from pworlds.worlds.lemma.coq import CoqBackend, CoqSession, coq_statement

            stmt = self.cfg.statement if task == CUSTOM else coq_statement(by_name()[task])
            if self._coq is None or self._coq.proc.poll() is not None:
                self._coq = CoqSession()
            return CoqBackend(stmt or "", self._coq)
        from pworlds.worlds.lemma.lean import LeanBackend

        stmt = self.cfg.statement if task == CUSTOM else by_name()[task].statement.lean()
        return LeanBackend(stmt or "")

    def _reset(self) -> Observation:
        backend = self._make_backend()
        if self.backend is not None and self.backend is not backend:
            self.backend.close()
        self.backend = backend
        self.backend.start()
        self.tactics = []
        return self.observe()

    def observe(self) -> Observation:
        if self.backend is None:
            return {"text": "no episode; call reset()", "goals": [], "done": False}
        return {"text": self.backend.text(), "goals": self.backend.goals(), "done": self.backend.done}

    def _step(self, action: Action) -> StepResult:
        assert self.backend is not None
        tactic = str(action["arguments"]["tactic"]).strip()
        before = self.backend.goal_count()
        try:
            self.backend.apply(tactic)
        except TacticError as exc:
            msg = str(exc)
            obs = {"text": f"error: {msg}\n\n{self.backend.text()}", "error": msg, "goals": self.backend.goals(),
                   "done": False}  # fmt: skip
            return StepResult(obs, REWARDS["invalid"], False, False, False, {"tactic": tactic, "error": msg})
        self.tactics.append(tactic)
        after = self.backend.goal_count()
        solved = self.backend.done
        reward = REWARDS["solved"] if solved else REWARDS["step"]
        if self.cfg.shaping and not solved:
            reward += REWARDS["goal_closed"] * max(0, before - after)
        info = {"tactic": tactic, "goals_before": before, "goals_after": after}
        return StepResult(self.observe(), reward, solved, False, True, info)

    # ------------------------------------------------------------------------------------------ state
    def _state(self) -> dict[str, Any]:
        return {
            "backend": self.cfg.backend,
            "statement": self.statement_text(),
            "tactics": list(self.tactics),
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        try:
            tactics = [str(t) for t in state["tactics"]]
            backend = state["backend"]
        except (KeyError, TypeError) as exc:
            raise StateError(f"lemma: malformed state {dict(state)!r}; expected backend and tactics") from exc
        if backend != self.cfg.backend:
            raise StateError(
                f"lemma: state is for backend {backend!r} but the world uses {self.cfg.backend!r}"
            )
        # The base class sets self.task after _restore; we need it now to rebuild the proof.
        task = self._pending_task
        if task is None:
            self.backend, self.tactics = None, []
            return
        self.task = task
        self._reset()
        for i, tactic in enumerate(tactics, 1):
            try:
                self.backend.apply(tactic)  # type: ignore[union-attr]
            except TacticError as exc:
                raise StateError(f"lemma: state tactic {i} {tactic!r} no longer applies: {exc}") from exc
            self.tactics.append(tactic)

    def restore(self, state: Mapping[str, Any]) -> None:
        self._pending_task = state.get("task") if isinstance(state, Mapping) else None
        super().restore(state)

    # ------------------------------------------------------------------------------------------ files
    @property
    def proof_file(self) -> str:
        return "proof.v" if self.cfg.backend == "coq" else "proof.lean"

    def proof_script(self) -> str:
        """The proof so far as a Lean (or Coq) script — what a person would paste into an editor."""
        if self.cfg.backend == "coq":
            body = "\n".join(f"  {t if t.endswith('.') else t + '.'}" for t in self.tactics)
            end = "Qed.\n" if self.backend is not None and self.backend.done else ""
            return f"Theorem {self.task} : {self.statement_text()}.\nProof.\n{body}\n{end}"
        body = "\n".join(f"  {t}" for t in self.tactics) or "  sorry"
        return f"theorem {self.task} {self.statement_text()} := by\n{body}\n"

    def persist(self, root: Path) -> None:
        (root / self.proof_file).write_text(self.proof_script(), encoding="utf-8")

    def artifact_files(self, root: Path) -> list[Path]:
        path = root / self.proof_file
        return [path] if path.exists() else []

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
            self.backend = None
        if self._coq is not None:
            self._coq.close()
            self._coq = None
