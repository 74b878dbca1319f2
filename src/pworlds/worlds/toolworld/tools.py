"""Tools: typed Python functions over a ``sqlite3.Connection`` turned into validated action specs.

The JSON schema of a tool comes from its type hints (through a pydantic model), its description from
the docstring's first paragraph and its parameter descriptions from a Google-style ``Args:`` section.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from psignal.world import ActionSpec

FINISH = "finish"
_ARGS_LINE = re.compile(r"^\s{2,}(\w+)\s*(?:\([^)]*\))?:\s*(.*)$")
_SCALARS = (int, float, str, bool)


@dataclass(frozen=True)
class ToolDef:
    """One tool: the callable, its action spec and the source line (for error messages)."""

    name: str
    fn: Callable[..., Any]
    spec: ActionSpec
    line: int = 0


class ToolSignatureError(ValueError):
    """A tool function does not follow the signature rules (carries the line)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """First paragraph, and ``{param: description}`` from an ``Args:`` section."""
    text = inspect.cleandoc(doc or "")
    paragraphs = text.split("\n\n")
    summary = " ".join(paragraphs[0].split()) if paragraphs and not paragraphs[0].startswith("Args:") else ""
    params: dict[str, str] = {}
    in_args = False
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
            continue
        if in_args:
            if stripped.endswith(":") and not line.startswith(" "):
                in_args = False
                continue
            match = _ARGS_LINE.match(line)
            if match:
                current = match.group(1)
                params[current] = match.group(2).strip()
            elif current and stripped:
                params[current] = f"{params[current]} {stripped}".strip()
    return summary, params


def _hint_ok(hint: Any) -> bool:
    """int, float, str, bool, X | None, list[scalar], Literal[...] (what the format allows)."""
    if hint in _SCALARS:
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return all(isinstance(v, _SCALARS) for v in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return all(a is type(None) or _hint_ok(a) for a in typing.get_args(hint))
    if origin is list:
        args = typing.get_args(hint)
        return len(args) == 1 and (args[0] in _SCALARS or _hint_ok(args[0]))
    return False


def tool_from_function(fn: Callable[..., Any], name: str | None = None) -> ToolDef:
    """Build a ``ToolDef``; raise ``ToolSignatureError`` naming the parameter that breaks the rules."""
    name = name or fn.__name__
    line = getattr(getattr(fn, "__code__", None), "co_firstlineno", 0)
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    if not params or params[0].name != "conn":
        raise ToolSignatureError(
            f"tool {name!r}: the first parameter must be 'conn: sqlite3.Connection'", line
        )
    try:
        hints = typing.get_type_hints(fn)
    except Exception as exc:
        raise ToolSignatureError(f"tool {name!r}: cannot resolve type hints ({exc})", line) from exc
    summary, descriptions = parse_docstring(fn.__doc__)
    if not summary:
        raise ToolSignatureError(
            f"tool {name!r} has no docstring (its first paragraph is the tool description)", line
        )
    fields: dict[str, Any] = {}
    for p in params[1:]:
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise ToolSignatureError(
                f"tool {name!r}: parameter {p.name!r} must be a plain named parameter", line
            )
        if p.name not in hints:
            raise ToolSignatureError(f"tool {name!r}: parameter {p.name!r} has no type hint", line)
        hint = hints[p.name]
        if not _hint_ok(hint):
            raise ToolSignatureError(
                f"tool {name!r}: parameter {p.name!r} has unsupported type {hint!r} "
                "(use int, float, str, bool, X | None, list[...], Literal[...])",
                line,
            )
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (hint, Field(default, description=descriptions.get(p.name)))
    model = create_model(  # type: ignore[call-overload]
        f"{name}_arguments", __config__=ConfigDict(extra="forbid", strict=False), **fields
    )
    return ToolDef(name, fn, ActionSpec.from_model(name, summary, model), line)


class FinishArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str | None = Field(
        None, description="Your final answer (for questions), or null when the task was a change."
    )


FINISH_SPEC = ActionSpec.from_model(
    FINISH,
    "End the episode. Call it once the task is done; give the final answer for information requests.",
    FinishArguments,
)
