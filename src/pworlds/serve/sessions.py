"""One episode per MCP session, kept apart from every other session's.

An ``Episode`` wraps one ``World`` with a lock (two concurrent calls of one client never interleave inside a
world) and the running return. The ``EpisodeRegistry`` owns every live episode of a server and enforces
``max_sessions``.

How a request finds its episode (see ``docs/serve.md``):

* a handshake-era (2025) connection — stdio or a streamable-HTTP session — owns one episode, created on its
  first call and closed when the connection ends;
* the 2026-07-28 protocol has no sessions, so stateless clients carry an *episode handle*: ``env_reset``
  mints one and the client passes it back as the ``episode`` argument (or ``_meta["pworlds/episode"]``);
* a stdio server has exactly one client, so a stateless stdio client needs no handle at all.

Handles are unguessable (``secrets.token_urlsafe``), so one client cannot reach another's episode.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from psignal.errors import EpisodeStateError, PworldsError, UsageError
from psignal.world import Observation, StepResult, World
from pworlds.serve.target import ServeTarget

T = TypeVar("T")

INLINE_BUDGET_S = 0.002
"""World classes whose calls average less than this run on the event loop; slower ones run in threads."""
_COST_SMOOTHING = 0.2


class ServerFullError(PworldsError):
    """The server already hosts ``max_sessions`` episodes."""


class UnknownEpisodeError(UsageError):
    """An episode handle that this server never minted, or one that was closed."""


class Episode:
    """One world and what the server tracks about it for one client."""

    def __init__(self, handle: str, world: World, target: ServeTarget) -> None:
        self.handle = handle
        self.world = world
        self.target = target
        self.lock = anyio.Lock(fast_acquire=True)  # no event-loop round trip when uncontended
        self.total_reward = 0.0
        self.last_used = time.monotonic()
        self.closed = False

    # All methods below are synchronous and run under ``lock`` (inline or in a worker thread).
    def ensure_started(self) -> None:
        """Episodes start on the first world call, with the server's default task and seed."""
        if self.world.task is None:
            self.world.reset(task=self.target.task, seed=self.target.seed)
            self.total_reward = 0.0

    def reset(self, task: str | None, seed: int | None) -> Observation:
        observation = self.world.reset(
            task=task if task is not None else self.target.task,
            seed=seed if seed is not None else self.target.seed,
        )
        self.total_reward = 0.0
        return observation

    def step(self, action: dict[str, Any]) -> StepResult:
        self.ensure_started()
        if self.world.done:
            how = "terminated" if self.world.terminated else "truncated"
            raise EpisodeStateError(
                f"{self.world.name}: the episode has ended ({how} after {self.world.steps} steps); "
                "call env_reset to start another"
            )
        result = self.world.step(action)
        self.total_reward += result.reward
        return result

    def summary(self) -> dict[str, Any]:
        """What ``env_state`` reports: enough to compare two sessions without dumping the state."""
        world = self.world
        return {
            "episode": self.handle,
            "world": world.name,
            "task": world.task,
            "seed": world.seed,
            "steps": world.steps,
            "return": round(self.total_reward, 10),
            "terminated": world.terminated,
            "truncated": world.truncated,
            "state_hash": world.state_hash(),
        }

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.world.close()


class EpisodeRegistry:
    """Every live episode of one server, by handle."""

    def __init__(
        self, target: ServeTarget, *, max_sessions: int | None = None, idle_timeout_s: float = 1800
    ) -> None:
        self.target = target
        self.max_sessions = max_sessions
        self.idle_timeout_s = idle_timeout_s
        self.episodes: dict[str, Episode] = {}
        self._cost_s: dict[type[World], float] = {}

    def __len__(self) -> int:
        return len(self.episodes)

    def create(self) -> Episode:
        if self.max_sessions is not None and len(self.episodes) >= self.max_sessions:
            self._evict_idle()
            if len(self.episodes) >= self.max_sessions:
                raise ServerFullError(
                    f"serve: this server already hosts {self.max_sessions} episodes (--max-sessions); "
                    "close one with env_close or end a session, then retry"
                )
        handle = secrets.token_urlsafe(16)
        episode = Episode(handle, self.target.make(), self.target)
        self.episodes[handle] = episode
        return episode

    def get(self, handle: str) -> Episode:
        episode = self.episodes.get(handle)
        if episode is None:
            raise UnknownEpisodeError(
                f"unknown or closed episode handle {handle[:12]!r}; "
                "call env_reset without 'episode' for a new one"
            )
        return episode

    def close(self, episode: Episode) -> None:
        self.episodes.pop(episode.handle, None)
        episode.close()

    def close_all(self) -> None:
        for episode in list(self.episodes.values()):
            self.close(episode)

    def _evict_idle(self) -> None:
        cutoff = time.monotonic() - self.idle_timeout_s
        for episode in [e for e in self.episodes.values() if e.last_used < cutoff and not e.lock.locked()]:
            self.close(episode)

    async def run(self, episode: Episode, fn: Callable[[], T]) -> T:
        """Run ``fn`` (a world call) under the episode's lock.

        Fast worlds run inline on the event loop (a thread hop costs more than a counter step). A world class
        whose calls take longer than ``INLINE_BUDGET_S`` on average (a prover, a test run) runs in worker
        threads, so one slow session never stalls the others. The average is a moving one, so a single
        hiccup (first-call warm-up, a busy machine) does not move a fast world off the loop for good.
        """
        async with episode.lock:
            if episode.closed:
                raise UnknownEpisodeError("this episode was closed; call env_reset to start a new one")
            episode.last_used = time.monotonic()
            cls = type(episode.world)
            cost = self._cost_s.get(cls)
            timed = _Timed(fn)
            try:
                if cost is not None and cost > INLINE_BUDGET_S:
                    return await anyio.to_thread.run_sync(timed)
                return timed()
            finally:
                took = timed.seconds
                self._cost_s[cls] = took if cost is None else cost + _COST_SMOOTHING * (took - cost)

    def runs_in_threads(self, cls: type[World]) -> bool:
        """Whether calls into worlds of this class currently go to worker threads."""
        return self._cost_s.get(cls, 0.0) > INLINE_BUDGET_S


class _Timed:
    """Wrap a call and remember how long it ran (measured where it runs, loop or thread)."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        self.seconds = 0.0

    def __call__(self) -> Any:
        started = time.perf_counter()
        try:
            return self.fn()
        finally:
            self.seconds = time.perf_counter() - started
