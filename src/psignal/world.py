"""The World protocol: one contract for every environment pworlds ships.

A world is a plain in-memory object. ``reset`` starts an episode, ``step`` applies one action, ``state``
and ``restore`` round-trip everything needed to continue. Nothing here does I/O, so thousands of worlds
fit in one process; task folders, traces and servers are adapters built on top.

Contract (checked by ``psignal.check``):

* ``reset(task=, seed=)`` must be called before ``step``; it is keyword-only and the base class records
  the task and seed and seeds ``self.rng`` before calling ``_reset`` — no world can forget to seed.
  ``seed=None`` means seed 0: every episode is reproducible from its trace.
* ``step(action)`` takes ``{"name": str, "arguments": dict}`` (the shape of an OpenAI/MCP tool call).
  An unknown action name or arguments that fail the action's schema give an ordinary step with
  ``valid=False``, the world's invalid-action penalty and an unchanged state — never an exception.
* After ``terminated or truncated`` the episode is over; ``step`` raises ``EpisodeStateError`` until the
  next ``reset``. ``truncated`` only comes from outside the task (``max_steps``).
* Same task, seed and actions give byte-identical ``state()``, rewards and observations, unless the
  class says ``deterministic = False``.
* An observation is a JSON-serialisable dict with at least ``"text"``: what an agent reads.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from psignal.errors import (
    ActionParseError,
    EpisodeStateError,
    PworldsError,
    StateError,
    UnknownTaskError,
    UsageError,
    choices_hint,
)
from psignal.hashing import canonical_json, floatless_canonical_bytes, state_hash

Action = dict[str, Any]
"""``{"name": str, "arguments": dict}`` — the same shape as a tool call."""

Observation = dict[str, Any]
"""JSON-serialisable; ``observation["text"]`` is what an agent reads."""

__all__ = [
    "Action",
    "ActionParseError",
    "ActionSpec",
    "EpisodeStateError",
    "Observation",
    "PworldsError",
    "StateError",
    "StepResult",
    "TaskInfo",
    "UnknownTaskError",
    "World",
    "WorldConfig",
    "canonical_json",
    "make_action",
    "state_hash",
]


def make_action(name: str, **arguments: Any) -> Action:
    return {"name": name, "arguments": arguments}


def normalize_action(action: Any) -> Action:
    """Accept ``"+1"``-style bare names or full dicts; refuse anything else loudly (library misuse)."""
    if (
        type(action) is dict
        and len(action) == 2
        and type(action.get("arguments")) is dict
        and type(action.get("name")) is str
    ):
        return action  # already canonical: the hot path of rollouts
    if isinstance(action, str):
        return {"name": action, "arguments": {}}
    if isinstance(action, Mapping) and isinstance(action.get("name"), str):
        extra = set(action) - {"name", "arguments"}
        if extra:
            raise UsageError(f"action has unknown keys {sorted(extra)}; expected 'name' and 'arguments'")
        arguments = action.get("arguments")
        arguments = {} if arguments is None else arguments
        if not isinstance(arguments, Mapping):
            raise UsageError(f"action arguments must be an object, got {type(arguments).__name__}")
        return {"name": action["name"], "arguments": dict(arguments)}
    raise UsageError(f"an action is {{'name': str, 'arguments': dict}}, got {action!r}")


@dataclass(frozen=True, slots=True)
class StepResult:
    observation: Observation
    reward: float
    terminated: bool
    truncated: bool
    valid: bool
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (CLI ``--json``, MCP structured content)."""
        return {
            "observation": self.observation,
            "reward": self.reward,
            "terminated": self.terminated,
            "truncated": self.truncated,
            "valid": self.valid,
            "info": dict(self.info),
        }


@dataclass(frozen=True, slots=True)
class TaskInfo:
    name: str
    description: str
    tags: tuple[str, ...] = ()


_JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object", "null"}
_PLAIN_LEAVES = (int, float, str, bool, type(None), Any)


def _plain_hint(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin is None:
        return hint in _PLAIN_LEAVES
    if origin is typing.Literal:
        return True
    return origin in (typing.Union, types.UnionType, list, dict) and all(
        _plain_hint(a) for a in typing.get_args(hint)
    )


@functools.cache
def _plain_fields(model: type[BaseModel]) -> bool:
    """True when every field is JSON scalars, lists, dicts, unions or literals (no nested models, no
    serializers and no extras): then the validated fields are already what ``model_dump`` returns,
    and arguments, validated on every step, skip the serializer pass."""
    return (
        model.model_config.get("extra") != "allow"
        and not model.__pydantic_decorators__.field_serializers
        and not model.__pydantic_decorators__.model_serializers
        and not model.model_computed_fields
        and not any(f.exclude for f in model.model_fields.values())
        and all(_plain_hint(f.annotation) for f in model.model_fields.values())
    )


@dataclass(frozen=True)
class ActionSpec:
    """Name, description and JSON schema of an action's arguments.

    ``model`` (a pydantic model) validates arguments when given; otherwise the schema is trusted for
    shape only. ``generate`` makes a random valid action for the checker and the random agent.
    """

    name: str
    description: str
    parameters: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    model: type[BaseModel] | None = None
    examples: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_model(cls, name: str, description: str, model: type[BaseModel], **kw: Any) -> ActionSpec:
        schema = model.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        return cls(name=name, description=description, parameters=schema, model=model, **kw)

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Return validated arguments, or raise ``ValueError`` with a readable message."""
        if not arguments and self.model is None and not self.parameters.get("required"):
            return {}
        if self.model is not None:
            try:
                # the model's validator itself: model_validate() is a Python wrapper around it (per step)
                validated = self.model.__pydantic_validator__.validate_python(
                    arguments if type(arguments) is dict else dict(arguments)
                )
                return dict(validated.__dict__) if _plain_fields(self.model) else validated.model_dump()
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
                )
                raise ValueError(f"invalid arguments for {self.name}: {problems}") from exc
        props = self.parameters.get("properties", {})
        unknown = set(arguments) - set(props)
        if unknown and not self.parameters.get("additionalProperties", False):
            raise ValueError(f"{self.name} takes no argument(s) {sorted(unknown)}; valid: {sorted(props)}")
        missing = [k for k in self.parameters.get("required", []) if k not in arguments]
        if missing:
            raise ValueError(f"{self.name} is missing required argument(s) {missing}")
        return dict(arguments)

    def generate(self, rng: random.Random) -> Action:
        """A random action of this spec (examples first, else values drawn from the schema)."""
        if self.examples and rng.random() < 0.7:
            return {"name": self.name, "arguments": dict(rng.choice(self.examples))}
        props = self.parameters.get("properties", {})
        required = set(self.parameters.get("required", []))
        args = {k: _random_value(s, rng) for k, s in props.items() if k in required or rng.random() < 0.5}
        return {"name": self.name, "arguments": args}

    def to_tool(self) -> dict[str, Any]:
        """OpenAI ``tools`` entry (also what MCP ``tools/list`` advertises)."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": dict(self.parameters),
            },
        }


def _random_value(schema: Mapping[str, Any], rng: random.Random) -> Any:
    if "enum" in schema:
        return rng.choice(list(schema["enum"]))
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = rng.choice([k for k in kind if k in _JSON_TYPES] or ["string"])
    if kind == "integer":
        return rng.randint(int(schema.get("minimum", -3)), int(schema.get("maximum", 10)))
    if kind == "number":
        return round(rng.uniform(-3, 10), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        return [_random_value(schema.get("items", {}), rng) for _ in range(rng.randint(0, 2))]
    if kind == "null":
        return None
    if kind == "object":
        return {}
    return rng.choice(["a", "x", "test", "1", ""])


class WorldConfig(BaseModel):
    """Per-task options of a world, stored in ``psignal.yaml``. Unknown keys are an error, never dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int | None = None
    """Step budget: reaching it ends the episode as ``truncated``."""


class World(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    deterministic: ClassVar[bool] = True
    """False for worlds whose transitions or rewards depend on something outside (an LLM judge)."""
    concurrent_safe: ClassVar[bool] = True
    """True when many instances may run in one process (no shared mutable globals)."""
    float_free_state: ClassVar[bool] = False
    """True when ``state()`` never holds floats: ``state_hash()`` then takes orjson's canonical form,
    byte-identical to the definition for such values and several times faster (the hash is taken every
    step); ``pworlds check`` compares it with the definition after every step."""
    Config: ClassVar[type[WorldConfig]] = WorldConfig
    invalid_reward: ClassVar[float] = -0.1

    def __init__(self, config: Mapping[str, Any] | WorldConfig | None = None) -> None:
        try:
            self.config = (
                config if isinstance(config, self.Config) else self.Config.model_validate(dict(config or {}))
            )
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise UsageError(f"bad configuration for world {self.name!r}: {problems}") from exc
        self.rng = random.Random(0)
        self.task: str | None = None
        self.seed: int | None = None
        self.steps = 0
        self.terminated = False
        self.truncated = False
        self.workdir: Path | None = None
        self._specs: dict[str, ActionSpec] | None = None

    # ----------------------------------------------------------------- what subclasses implement
    @abstractmethod
    def tasks(self) -> Mapping[str, TaskInfo]:
        """Named tasks this world (with this config) offers; the first is the default."""

    @abstractmethod
    def _reset(self) -> Observation:
        """Start the episode for ``self.task``; ``self.rng`` is already seeded."""

    @abstractmethod
    def _step(self, action: Action) -> StepResult:
        """Apply a known, schema-valid action. ``truncated`` is set by the base class."""

    @abstractmethod
    def actions(self) -> list[ActionSpec]:
        """The actions valid in this world (stable for a task; used by agents, MCP and exports)."""

    @abstractmethod
    def observe(self) -> Observation:
        """The current observation, without changing anything."""

    @abstractmethod
    def _state(self) -> dict[str, Any]:
        """JSON-serialisable world-specific state."""

    @abstractmethod
    def _restore(self, state: Mapping[str, Any]) -> None:
        """Inverse of ``_state``; raise ``StateError`` on anything malformed."""

    def instruction(self) -> str:
        """What the agent is asked to do in the current task (the prompt of exports and agents)."""
        info = self.tasks().get(self.task or "")
        return info.description if info else ""

    # ----------------------------------------------------------------- optional hooks for file-backed worlds
    def attach(self, root: Path) -> None:
        """Called by a task folder before reset/restore; worlds with files on disk keep them under root."""
        self.workdir = root

    def persist(self, root: Path) -> None:
        """Write world files (e.g. a database) after each step of a task folder."""

    def artifact_files(self, root: Path) -> list[Path]:
        """World files a ``training_artifact.json`` should carry."""
        return []

    def replay_step(self, action: Action, recorded_info: Mapping[str, Any]) -> StepResult:
        """Re-apply one recorded step; worlds whose actions happen outside ``step`` (edits) override."""
        return self.step(action)

    def reference_solution(self) -> list[Action] | None:
        """A scripted sequence of actions that solves the current task (oracle agent, demo, CI), if known."""
        return None

    def close(self) -> None:
        """Release external resources (prover processes, connections)."""

    # ----------------------------------------------------------------- the template methods
    @property
    def default_task(self) -> str:
        return next(iter(self.tasks()))

    def reset(self, *, task: str | None = None, seed: int | None = None) -> Observation:
        tasks = self.tasks()
        task = task if task is not None else self.task or self.default_task
        if task not in tasks:
            raise UnknownTaskError(f"world {self.name!r} has no task {task!r}; {choices_hint(task, tasks)}")
        self.task, self.seed = task, 0 if seed is None else int(seed)
        self.rng = random.Random(self.seed)
        self.steps = 0
        self.terminated = self.truncated = False
        self._specs = None
        return self._reset()

    def step(self, action: Action | str) -> StepResult:
        if self.task is None:
            raise EpisodeStateError(f"{self.name}: step() before reset(); call reset() first")
        if self.terminated or self.truncated:
            raise EpisodeStateError(f"{self.name}: the episode has ended; call reset() to start another")
        action = normalize_action(action)
        specs = self._specs
        if specs is None:
            specs = self._specs = {s.name: s for s in self.actions()}
        spec = specs.get(action["name"])
        if spec is None:
            result = self.invalid(f"unknown action {action['name']!r}; {choices_hint(action['name'], specs)}")
        else:
            try:
                action = {"name": action["name"], "arguments": spec.validate(action["arguments"])}
            except ValueError as exc:
                result = self.invalid(str(exc))
            else:
                result = self._step(action)
        self.steps += 1
        limit = self.config.max_steps
        if not result.terminated and limit is not None and self.steps >= limit:
            result = StepResult(result.observation, result.reward, False, True, result.valid, result.info)
        self.terminated, self.truncated = result.terminated, result.truncated
        return result

    def invalid(self, message: str, **info: Any) -> StepResult:
        """A rejected action: penalty, state unchanged, the error as the observation."""
        return StepResult(
            observation={"text": f"error: {message}", "error": message},
            reward=self.invalid_reward,
            terminated=False,
            truncated=False,
            valid=False,
            info={"error": message, **info},
        )

    def state(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "seed": self.seed,
            "steps": self.steps,
            "terminated": self.terminated,
            "truncated": self.truncated,
            "world": self._state(),
        }

    def state_hash(self) -> str:
        """``psignal.hashing.state_hash(self.state())``: what every trace event records.

        Worlds whose state has a large part that changes by appending (toolworld's call log) may
        override this to avoid re-encoding that part every step; the override must return exactly
        the definition's value (``pworlds check`` compares the two on every step).
        """
        if self.float_free_state:
            return hashlib.sha256(floatless_canonical_bytes(self.state())).hexdigest()
        return state_hash(self.state())

    def restore(self, state: Mapping[str, Any]) -> None:
        try:
            task, seed, steps = state["task"], state["seed"], int(state["steps"])
            terminated, truncated, world = bool(state["terminated"]), bool(state["truncated"]), state["world"]
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(
                f"{self.name}: malformed state ({exc!r}); expected the dict from World.state()"
            ) from exc
        if task is not None and task not in self.tasks():
            raise StateError(f"{self.name}: state names unknown task {task!r}")
        self._specs = None
        self.task, self.seed, self.steps = task, seed, steps
        self.terminated, self.truncated = terminated, truncated
        self.rng = random.Random(seed)  # worlds that draw during steps keep their RNG state in _state()
        self._restore(world)

    def parse_action(self, text: str) -> Action:
        """What a person types. Default: an action name, or a JSON ``{"name":…, "arguments":…}``."""
        text = text.strip()
        if text.startswith("{"):
            try:
                return normalize_action(json.loads(text))
            except (json.JSONDecodeError, UsageError) as exc:
                raise ActionParseError(f"cannot read action JSON {text!r}: {exc}") from exc
        names = [s.name for s in self.actions()]
        if text in names:
            return {"name": text, "arguments": {}}
        raise ActionParseError(f"unknown action {text!r}; {choices_hint(text, names)}")

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    def __repr__(self) -> str:
        return f"<{type(self).__name__} task={self.task!r} seed={self.seed} steps={self.steps}>"
