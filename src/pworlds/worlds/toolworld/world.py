"""ToolWorld: an agent changes a SQLite database through typed tools; a verifier judges the end state.

Rewards (the one place they are defined):

==========================================  =====================================================
event                                       reward
==========================================  =====================================================
valid tool call                             ``-0.01`` (``REWARDS["step"]``)
invalid call (unknown tool, bad arguments,  ``-0.05`` (``REWARDS["invalid"]``), the call's transaction
tool error, constraint violation, timeout)  is rolled back, the DB is unchanged
``finish(answer)``                          the verdict's score: pass → ``1.0`` (or the verifier's
                                            partial score), fail → ``0.0``, verifier_error → ``0.0``
                                            (``info.verdict.status`` records which); terminated
step budget (``max_steps``) reached         the step's own reward; truncated
==========================================  =====================================================

State: ``{"env", "db_hash", "calls", "answer", "verdict"}``. ``db_hash`` is a content hash of every row
(updated incrementally from each call's diff), so ``state_hash`` changes exactly when the data does and
replay compares database contents. ``calls`` (the applied tool calls) rebuild the DB on restore when no
``db.sqlite`` with that hash is attached. ``calls`` is the canonical JSON text of the list of calls, not
the list: ``state_hash`` runs on every step (task folders, replay, MCP, the checker), and one string,
extended by one call per step, costs a fraction of re-encoding a growing list of dicts. ``restore`` also
accepts a plain list (older state files).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import field_validator

from psignal.errors import ActionParseError, StateError
from psignal.folder import atomic_write
from psignal.hashing import canonical_json, floatless_canonical_bytes
from psignal.jsontext import compact_json
from psignal.world import Action, ActionSpec, Observation, StepResult, TaskInfo, World, WorldConfig
from pworlds.worlds.toolworld.envformat import TaskSpec
from pworlds.worlds.toolworld.episode import (
    Episode,
    content_hash,
    net_diff,
    open_image,
    strip_instrumentation,
)
from pworlds.worlds.toolworld.guard import readonly_authorizer
from pworlds.worlds.toolworld.loader import Env, load_env
from pworlds.worlds.toolworld.tools import FINISH
from pworlds.worlds.toolworld.verify import Verdict, run_code_verifier

# Built once: json.dumps with options builds a new encoder per call.
_CANONICAL = canonical_json


def result_text(result: Any) -> str:
    """A tool result as the JSON text an agent reads (compact; see ``psignal.jsontext.compact_json``)."""
    return compact_json(result).decode()


_FLOATLESS = frozenset({str, int, bool, type(None)})
REWARDS = {"step": -0.01, "invalid": -0.05, "pass": 1.0, "fail": 0.0, "verifier_error": 0.0}
DB_FILE = "db.sqlite"


def default_env() -> str:
    from pworlds.worlds.toolworld.envs import shipped_env_dirs

    shipped = shipped_env_dirs()
    return "shop_orders" if "shop_orders" in shipped or not shipped else next(iter(shipped))


class ToolWorldConfig(WorldConfig):
    env: str = ""
    """A shipped env id (``pworlds env list``) or a path to an env folder; empty = the default env."""
    verification: Literal["code", "llm", "hybrid"] | None = None
    """None = the env's default (env.yaml ``verification``)."""
    judge_model: str = "gpt-4o-mini"
    judge_base_url: str | None = None
    """OpenAI-compatible endpoint; None = $OPENAI_BASE_URL."""
    judge_timeout_s: float = 60.0
    verifier_timeout_s: float = 5.0
    tool_timeout_s: float = 2.0
    max_steps: int | None = 30

    @field_validator("env")
    @classmethod
    def _absolute_env_path(cls, value: str) -> str:
        """A folder path is stored absolute so the task folder works from any working directory."""
        path = Path(value).expanduser()
        return (
            str(path.resolve())
            if value and ("/" in value or value.startswith(".")) and path.is_dir()
            else value
        )


class ToolWorld(World):
    name: ClassVar[str] = "toolworld"
    version: ClassVar[str] = "1"
    Config: ClassVar[type[WorldConfig]] = ToolWorldConfig
    invalid_reward: ClassVar[float] = REWARDS["invalid"]

    def __init__(self, config: Mapping[str, Any] | WorldConfig | None = None) -> None:
        super().__init__(config)
        cfg: ToolWorldConfig = self.config  # type: ignore[assignment]
        self.env: Env = load_env(cfg.env or default_env())
        self.mode = cfg.verification or self.env.meta.verification
        if self.mode != "code":
            self.deterministic = False  # type: ignore[misc]
        self.episode: Episode | None = None
        self.calls: list[Action] = []
        self._call_texts: list[str] = []
        """canonical_json of each call in ``calls``; ``calls_log`` joins them when the state is asked for."""
        self._joined: tuple[int, str] = (0, "[]")
        self._hashing = False
        """True while ``state_hash`` takes the state: the log is then left out (spliced in by the hash)."""
        self._escaped_log = bytearray(b"[")
        """``calls_log`` as it appears inside the state's canonical JSON (escaped, UTF-8), without its
        closing bracket: extended in place per call."""
        self.trajectory: list[dict[str, Any]] = []
        self.answer: str | None = None
        self.verdict: Verdict | None = None
        self._specs_list = self.env.action_specs()
        self._tasks = {t.id: TaskInfo(t.id, t.instruction, tuple(t.tags)) for t in self.env.tasks.values()}

    # ----------------------------------------------------------------- the protocol
    def tasks(self) -> Mapping[str, TaskInfo]:
        return self._tasks

    def actions(self) -> list[ActionSpec]:
        return self._specs_list

    @property
    def task_spec(self) -> TaskSpec:
        return self.env.tasks[self.task or self.default_task]

    def instruction(self) -> str:
        return self.task_spec.instruction

    def _new_episode(self, data: bytes | None = None) -> Episode:
        if self.episode is not None:
            self.episode.close()
        self.episode = Episode(self.env.image, data=data, authorizer=self.env.authorizer)
        return self.episode

    def _reset(self) -> Observation:
        if self.episode is None or not self.episode.rewind():
            self._new_episode()
        self._set_calls([])
        self.trajectory = []
        self.answer, self.verdict = None, None
        return self.observe()

    def _set_calls(self, calls: list[Action]) -> None:
        self.calls, self._call_texts, self._escaped_log = [], [], bytearray(b"[")
        self._joined = (0, "[]")
        for call in calls:
            self._add_call(call)

    def _add_call(self, call: Action) -> None:
        """Extend the call log and its escaped form in place (amortised O(1): no copy of the log per step)."""
        first = not self.calls
        self.calls.append(call)
        # validated tool arguments are flat: without floats, orjson's canonical form is the definition's
        floatless = all(type(v) in _FLOATLESS for v in call["arguments"].values())
        text = floatless_canonical_bytes(call).decode() if floatless else _CANONICAL(call)
        self._call_texts.append(text)
        if not first:
            self._escaped_log += b","
        # the call's JSON as a string inside the state's JSON (quotes and backslashes escaped)
        self._escaped_log += floatless_canonical_bytes(text)[1:-1]

    def observe(self) -> Observation:
        tools = ", ".join(s.name for s in self._specs_list)
        obs: Observation = {
            "text": f"{self.env.meta.title}: {self.instruction()}\n\nTools: {tools}. "
            "Call finish(answer) when done.",
            "env": self.env.id,
            "task": self.task,
            "instruction": self.instruction(),
            "steps": self.steps,
        }
        if self.verdict is not None:
            obs["verdict"] = self.verdict.model_dump(exclude_none=True)
            obs["text"] = f"episode finished: {self.verdict.status} ({self.verdict.message})"
        return obs

    def _episode(self) -> Episode:
        if self.episode is None:
            self._new_episode()
        assert self.episode is not None
        return self.episode

    def _step(self, action: Action) -> StepResult:
        name, args = action["name"], action["arguments"]
        if name == FINISH:
            self.answer = args.get("answer")
            verdict = self.verify(answer=self.answer)
            self.verdict = verdict
            self.trajectory.append({"action": action, "verdict": verdict.status})
            obs = {
                "text": f"{verdict.status}: {verdict.message}".strip(),
                "verdict": verdict.model_dump(exclude_none=True),
            }
            return StepResult(
                obs, verdict.score, True, False, True, {"verdict": verdict.model_dump(exclude_none=True)}
            )
        cfg: ToolWorldConfig = self.config  # type: ignore[assignment]
        episode = self._episode()
        outcome = episode.call(self.env.tools[name].fn, args, cfg.tool_timeout_s)
        if not outcome.ok:
            self.trajectory.append({"action": action, "error": outcome.error})
            return self.invalid(outcome.error or "the call failed", tool=name, db_diff={})
        self._add_call(action)
        self.trajectory.append({"action": action, "result": outcome.result, "db_diff": outcome.diff})
        text = outcome.text.decode() if outcome.text is not None else result_text(outcome.result)
        obs = {"text": text, "result": outcome.result}
        # the result is in the observation already; the trace event carries it once
        info = {"tool": name, "db_diff": outcome.diff, "db_hash": episode.hash_hex}
        return StepResult(obs, REWARDS["step"], False, False, True, info)

    # ----------------------------------------------------------------- verification
    def verify(self, *, answer: str | None = None, mode: str | None = None) -> Verdict:
        """Judge the current DB (and answer) with the task's verifier; does not end the episode."""
        cfg: ToolWorldConfig = self.config  # type: ignore[assignment]
        mode = mode or self.mode
        episode = self._episode()
        initial = open_image(self.env.image.data, authorizer=readonly_authorizer)
        final = episode.snapshot()
        try:
            code: Verdict | None = None
            if mode in ("code", "hybrid"):
                fn = self.env.verifiers.get(self.task_spec.verifier_name)
                if fn is None:
                    code = Verdict.error(f"verify.py has no {self.task_spec.verifier_name}()")
                else:
                    code = run_code_verifier(fn, initial, final, answer, cfg.verifier_timeout_s)
                if mode == "code":
                    return code
            from pworlds.worlds.toolworld.judge import JudgeSettings, judge

            settings = JudgeSettings(
                model=cfg.judge_model,
                base_url=cfg.judge_base_url or os.environ.get("OPENAI_BASE_URL"),
                timeout_s=cfg.judge_timeout_s,
            )
            diff = net_diff(initial, final, self.env.image.tables) if mode == "hybrid" else None
            return judge(
                settings,
                instruction=self.instruction(),
                trajectory=self.trajectory,
                answer=answer,
                mode="hybrid" if mode == "hybrid" else "llm",
                code_verdict=code,
                db_diff=diff,
            )
        finally:
            initial.close()
            final.close()

    # ----------------------------------------------------------------- state
    @property
    def calls_log(self) -> str:
        """The call log as the JSON array text the state carries (joined once per new call, on demand)."""
        texts = self._call_texts
        if self._joined[0] != len(texts):
            self._joined = (len(texts), "[" + ",".join(texts) + "]")
        return self._joined[1]

    def _state(self) -> dict[str, Any]:
        return {
            "env": self.env.id,
            "db_hash": self._episode().hash_hex,
            "calls": "" if self._hashing else self.calls_log,
            "answer": self.answer,
            "verdict": None if self.verdict is None else self.verdict.model_dump(exclude_none=True),
        }

    def state_hash(self) -> str:
        """The definition's value without re-encoding the call log every step.

        The canonical JSON of the state is the state with ``calls`` empty, with the escaped call log
        spliced between that value's two quotes. The first ``"calls":""`` in that text is the world's
        key: the keys before ``world`` hold scalars, ``answer`` (the one key before ``calls``) is a
        string or null, and inside an encoded string every quote is escaped. The escaped log is kept
        per call (``_add_call``) and sha256 takes the three parts in turn. The test suite compares this
        with the definition for hostile call arguments and answers.
        """
        self._hashing = True
        try:
            state = self.state()
        finally:
            self._hashing = False
        world_state = state["world"]
        # until finish, the state is strings, integers, booleans and null: orjson's fast path applies
        text = (
            floatless_canonical_bytes(state) if world_state["verdict"] is None else _CANONICAL(state).encode()
        )
        cut = text.index(b'"calls":""') + len(b'"calls":"')
        digest = hashlib.sha256(text[:cut])
        digest.update(self._escaped_log)
        digest.update(b"]")
        digest.update(text[cut:])
        return digest.hexdigest()

    def _restore(self, state: Mapping[str, Any]) -> None:
        try:
            db_hash, calls = str(state["db_hash"]), state["calls"]
            calls = json.loads(calls) if isinstance(calls, str) else list(calls)
            if not isinstance(calls, list) or not all(isinstance(c, Mapping) for c in calls):
                raise TypeError("'calls' is not a list of {name, arguments} objects")
            answer, verdict = state.get("answer"), state.get("verdict")
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"toolworld: malformed state ({exc!r}); expected the dict from state()") from exc
        if state.get("env") not in (None, self.env.id):
            raise StateError(
                f"toolworld: state is for env {state.get('env')!r}, this world runs {self.env.id!r}"
            )
        self._set_calls([])
        self.trajectory = []
        file = self.workdir / DB_FILE if self.workdir is not None else None
        restored = False
        if file is not None and file.is_file():
            data = file.read_bytes()
            probe = open_image(data)
            try:
                restored = f"{content_hash(probe, list(self.env.image.tables)):064x}" == db_hash
            finally:
                probe.close()
            if restored:
                self._new_episode(data)
                self._set_calls([dict(c) for c in calls])
                self.trajectory = [{"action": c} for c in self.calls]
        if not restored:
            episode = self._new_episode()
            for i, call in enumerate(calls):
                tool = self.env.tools.get(call.get("name", ""))
                if tool is None:
                    raise StateError(f"toolworld: state call {i} names unknown tool {call.get('name')!r}")
                outcome = episode.call(tool.fn, tool.spec.validate(call.get("arguments", {})), None)
                if not outcome.ok:
                    raise StateError(
                        f"toolworld: state call {i} ({call['name']}) failed on replay: {outcome.error}"
                    )
                self._add_call(dict(call))
                self.trajectory.append({"action": call, "result": outcome.result, "db_diff": outcome.diff})
            if episode.hash_hex != db_hash:
                raise StateError(
                    "toolworld: replaying the state's calls gives a different database (hash mismatch)"
                )
        self.answer = answer
        self.verdict = Verdict.model_validate(verdict) if verdict else None

    # ----------------------------------------------------------------- files
    def persist(self, root: Path) -> None:
        atomic_write(root / DB_FILE, strip_instrumentation(self._episode().serialize()))

    def artifact_files(self, root: Path) -> list[Path]:
        return [root / DB_FILE] if (root / DB_FILE).is_file() else []

    # ----------------------------------------------------------------- people and oracles
    def parse_action(self, text: str) -> Action:
        """``tool k=v k2=v2`` (values read as JSON when they parse), ``finish some answer``, or JSON."""
        text = text.strip()
        if text.startswith("{"):
            return super().parse_action(text)
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise ActionParseError(f"cannot split {text!r}: {exc}") from exc
        if not words:
            raise ActionParseError("empty action; give a tool name, e.g. 'finish'")
        name, rest = words[0], words[1:]
        names = {s.name for s in self._specs_list}
        if name not in names:
            return super().parse_action(name)
        if name == FINISH and rest and not all("=" in w for w in rest):
            return {"name": FINISH, "arguments": {"answer": text.split(None, 1)[1]}}
        args: dict[str, Any] = {}
        for word in rest:
            if "=" not in word:
                raise ActionParseError(f"argument {word!r} is not k=v; e.g. {name} order_id=12")
            key, value = word.split("=", 1)
            try:
                args[key] = json.loads(value)
            except json.JSONDecodeError:
                args[key] = value
        return {"name": name, "arguments": args}

    def reference_solution(self) -> list[Action] | None:
        task = self.task_spec
        if not task.solution and task.answer is None:
            return None
        return [c.as_action() for c in task.solution] + [
            {"name": FINISH, "arguments": {"answer": task.answer}}
        ]

    def negative_solution(self) -> list[Action] | None:
        """The task's plausible wrong solution (must fail), for tests and the checker."""
        neg = self.task_spec.negative
        if neg is None:
            return None
        return [c.as_action() for c in neg.solution] + [{"name": FINISH, "arguments": {"answer": neg.answer}}]

    def close(self) -> None:
        if self.episode is not None:
            self.episode.close()
            self.episode = None
