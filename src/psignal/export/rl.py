"""RL export: one trajectory per episode — prompt, steps (action, observation, reward, flags), return.

``terminated`` and ``truncated`` stay separate per step: trainers bootstrap differently on each.
"""

from __future__ import annotations

from typing import Any

from psignal.export.episodes import Episode
from psignal.export.sft import _text


def to_rl(episode: Episode) -> dict[str, Any]:
    opening = episode.opening
    return {
        "prompt": (opening.get("instruction") or "").strip(),
        "initial_observation": _text(opening.get("observation") or {}),
        "tools": list(opening.get("actions") or []),
        "steps": [
            {
                "i": s["i"],
                "action": s["action"],
                "observation": _text(s["observation"]),
                "reward": s["reward"],
                "valid": s["valid"],
                "terminated": s["terminated"],
                "truncated": s["truncated"],
                "state_hash": s["state_hash"],
            }
            for s in episode.steps
        ],
        "return": episode.return_,
        "success": episode.success,
        "metadata": episode.metadata(),
    }
