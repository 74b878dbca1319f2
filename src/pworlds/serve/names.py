"""Map world action names to MCP tool names and back.

MCP tool names must match SEP-986 (``[A-Za-z0-9._-]{1,128}``) and should not start or end with ``-`` or
``.`` (some clients parse those as options). Most actions (``tactic``, ``run-tests``, ``create_issue``)
already qualify and keep their exact name. The rest get a readable, stable alias: counter's ``+1`` and
``-1`` become ``plus_one`` and ``minus_one``. The mapping is computed once per world and kept both ways,
so a tool call always reaches the action it was advertised for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_VALID = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9_])?$")
_SIGNED_NUMBER = re.compile(r"^([+-])(\d+)$")
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

CONTROL_PREFIX = "env_"
"""Control tools (``env_reset`` ...) live under this prefix; world actions are never given it."""


def is_clean_tool_name(name: str) -> bool:
    """True when ``name`` is a SEP-986 tool name with no leading/trailing dash or dot."""
    return bool(_VALID.match(name))


def alias_for(action: str) -> str:
    """A clean tool name for an action name (the name itself when it is already clean)."""
    if is_clean_tool_name(action) and not action.startswith(CONTROL_PREFIX):
        return action
    signed = _SIGNED_NUMBER.match(action)
    if signed:
        sign = "plus" if signed.group(1) == "+" else "minus"
        number = int(signed.group(2))
        return f"{sign}_{_NUMBER_WORDS[number] if number < len(_NUMBER_WORDS) else number}"
    text = action.replace("+", "_plus_")
    text = re.sub(r"^-", "minus_", text)
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.-")
    if text.startswith(CONTROL_PREFIX):
        text = "action_" + text
    return (text or "action")[:120]


class ToolNames:
    """Two-way mapping between a world's action names and the MCP tool names advertised for them."""

    def __init__(self, actions: Iterable[str], reserved: Iterable[str] = ()) -> None:
        self.tool_of: dict[str, str] = {}
        self.action_of: dict[str, str] = {}
        taken = set(reserved)
        for action in actions:
            base = alias_for(action)
            tool, n = base, 2
            while tool in taken:
                tool, n = f"{base}_{n}", n + 1
            taken.add(tool)
            self.tool_of[action] = tool
            self.action_of[tool] = action

    def renamed(self) -> dict[str, str]:
        """Only the actions whose tool name differs from the action name (documented to clients)."""
        return {a: t for a, t in self.tool_of.items() if a != t}
