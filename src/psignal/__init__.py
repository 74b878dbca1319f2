"""psignal: the substrate of pworlds — worlds, task folders, traces, replay and export.

psignal knows nothing about any particular world and never imports ``pworlds``. Names are imported
lazily so that reading a task folder does not pay for pydantic.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "PworldsError": "psignal.errors",
    "Action": "psignal.world",
    "ActionSpec": "psignal.world",
    "Observation": "psignal.world",
    "StepResult": "psignal.world",
    "TaskInfo": "psignal.world",
    "World": "psignal.world",
    "WorldConfig": "psignal.world",
    "state_hash": "psignal.world",
    "TaskDir": "psignal.taskdir",
    "replay_dir": "psignal.replay",
    "check_world": "psignal.check",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'psignal' has no attribute {name!r}")
