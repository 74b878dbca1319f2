"""The counter world: the smallest complete world, used to prove the substrate end to end."""

from pworlds.worlds.counter.world import REWARDS, CounterWorld

__all__ = ["REWARDS", "CounterWorld"]
