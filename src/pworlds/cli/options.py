"""Parsing of the options every command shares (``--set k=v``, ``--arg k=v``); typer-free and cheap."""

from __future__ import annotations

import json
from collections.abc import Container, Iterable
from typing import Any

from psignal.errors import UsageError


def parse_value(text: str) -> Any:
    """JSON when it parses (``3``, ``true``, ``[1,2]``, ``null``), the raw string otherwise."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_pairs(pairs: Iterable[str], option: str, *, text_keys: Container[str] = ()) -> dict[str, Any]:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}``; a pair without ``=`` is a usage error naming the option.

    Values are read as JSON when they parse, except for ``text_keys``, which always stay strings (a tool
    parameter typed ``str`` must get ``"0042"``, not ``42``).
    """
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{option} expects KEY=VALUE, got {pair!r}")
        result[key] = value if key in text_keys else parse_value(value)
    return result


def parse_json_object(text: str, option: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{option}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(value, dict):
        raise UsageError(f"{option}: expected a JSON object, got {type(value).__name__}")
    return value
