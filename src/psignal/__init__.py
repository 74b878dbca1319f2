"""psignal: the substrate of pworlds — worlds, task folders, traces, replay and export.

psignal knows nothing about any particular world and never imports ``pworlds``.
"""

from psignal.errors import PworldsError
from psignal.world import Action, ActionSpec, Observation, StepResult, TaskInfo, World, WorldConfig, state_hash

__all__ = [
    "Action",
    "ActionSpec",
    "Observation",
    "PworldsError",
    "StepResult",
    "TaskInfo",
    "World",
    "WorldConfig",
    "state_hash",
]
__version__ = "0.1.0"
