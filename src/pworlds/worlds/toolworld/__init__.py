"""toolworld: typed tools over an in-memory SQLite database, judged by per-task verifiers."""

from pworlds.worlds.toolworld.world import REWARDS, ToolWorld, ToolWorldConfig

__all__ = ["REWARDS", "ToolWorld", "ToolWorldConfig"]
