"""Pydantic models of the toolworld env files (env.yaml, tasks.yaml): strict, unknown keys are errors.

The format itself is fixed in docs/toolworld.md; these models are the single place it is encoded, so the
loader, the validator and the AWM importer cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
ENV_FILES = ("env.yaml", "schema.sql", "seed.sql", "tools.py", "tasks.yaml", "verify.py")
"""Files every hand-written/procedural/llm env has. AWM imports replace tools.py/verify.py (see awm.py)."""

Mode = Literal["code", "llm", "hybrid"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Provenance(_Strict):
    generator: Literal["hand-written", "procedural", "llm", "awm-import"]
    seed: int | None = None
    model: str | None = None


class EnvMeta(_Strict):
    """env.yaml."""

    id: str
    title: str
    description: str
    domain: str
    version: str = "1"
    provenance: Provenance
    verification: Mode = "code"

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @field_validator("id")
    @classmethod
    def _snake_id(cls, value: str) -> str:
        if not SNAKE.match(value):
            raise ValueError(f"env id {value!r} must be snake_case")
        return value


class ToolCall(_Strict):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)

    def as_action(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": dict(self.arguments)}


class NegativeCase(_Strict):
    """A plausible wrong solution: must fail the verifier."""

    solution: list[ToolCall] = Field(default_factory=list)
    answer: str | None = None


class TaskSpec(_Strict):
    id: str
    instruction: str
    verifier: str | None = None
    solution: list[ToolCall] = Field(default_factory=list)
    answer: str | None = None
    negative: NegativeCase | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("answer", mode="before")
    @classmethod
    def _answer_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("id")
    @classmethod
    def _snake_id(cls, value: str) -> str:
        if not SNAKE.match(value):
            raise ValueError(f"task id {value!r} must be snake_case")
        return value

    @property
    def verifier_name(self) -> str:
        return self.verifier or f"verify_{self.id}"


class TasksFile(_Strict):
    tasks: list[TaskSpec]
