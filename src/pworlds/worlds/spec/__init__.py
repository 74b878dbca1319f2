"""pspec: a local code-repair world — edit the workspace, ``run_tests`` grades it in isolation."""

from pworlds.worlds.spec.world import REWARDS, SpecConfig, SpecWorld

__all__ = ["REWARDS", "SpecConfig", "SpecWorld"]
