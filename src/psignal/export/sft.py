"""SFT export: one OpenAI-format conversation per episode, with ``tool_calls`` and ``tool`` messages.

Tool call arguments are JSON strings (the OpenAI wire format); ``tools`` is the OpenAI tools list.
Hugging Face ``datasets`` loads the JSONL as is, and tool-aware chat templates render it.
"""

from __future__ import annotations

import json
from typing import Any

from psignal.export.episodes import Episode

SYSTEM_PROMPT = (
    "You are an agent acting in the pworlds `{world}` world. Each turn, call exactly one of the tools; "
    "the tool result is the new observation. Stop when the task is complete."
)


def _text(observation: Any) -> str:
    if isinstance(observation, dict) and "text" in observation:
        return str(observation["text"])
    return json.dumps(observation, ensure_ascii=False, sort_keys=True)


def to_sft(episode: Episode, *, only_valid: bool = False) -> dict[str, Any]:
    """``only_valid`` drops rejected actions (and their error observations) from the conversation."""
    opening = episode.opening
    instruction = opening.get("instruction") or ""
    first = _text(opening.get("observation") or {})
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT.format(world=opening["world"])},
        {"role": "user", "content": f"{instruction}\n\n{first}".strip()},
    ]
    for step in episode.steps:
        if only_valid and not step["valid"]:
            continue
        call_id = f"call_{episode.index}_{step['i']}"
        action = step["action"]
        arguments = json.dumps(action.get("arguments") or {}, ensure_ascii=False, sort_keys=True)
        messages.append(
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": action["name"], "arguments": arguments},
                    }
                ],
            }
        )
        messages.append(
            {
                "role": "tool",
                "tool_call_id": call_id,
                "name": action["name"],
                "content": _text(step["observation"]),
            }
        )
    return {"messages": messages, "tools": list(opening.get("actions") or []), "metadata": episode.metadata()}
