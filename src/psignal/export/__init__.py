"""Exports of recorded episodes: SFT chat data, RL trajectories, parquet, and the training artifact.

All exports read traces only (each episode's opening event carries the instruction and the tools), so
they need no world code and work on folders made by any version of any world.
"""

from psignal.export.episodes import Episode, load_episodes
from psignal.export.rl import to_rl
from psignal.export.sft import to_sft
from psignal.export.write import FORMATS, ExportSummary, export, export_episodes

__all__ = [
    "FORMATS",
    "Episode",
    "ExportSummary",
    "export",
    "export_episodes",
    "load_episodes",
    "to_rl",
    "to_sft",
]
