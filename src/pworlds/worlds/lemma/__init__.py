"""plemma: the theorem-proving world (built-in kernel, Coq and Lean backends)."""

from pworlds.worlds.lemma.world import REWARDS, LemmaConfig, LemmaWorld

__all__ = ["REWARDS", "LemmaConfig", "LemmaWorld"]
