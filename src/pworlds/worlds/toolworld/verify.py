"""Verdicts and the ``code`` verification mode.

A verdict is ``{status: pass | fail | verifier_error, score, evidence, message}``. A verifier that raises,
times out or returns something malformed gives ``verifier_error`` — never ``pass``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pworlds.worlds.toolworld.guard import CallTimeout, time_limit


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["pass", "fail", "verifier_error"]
    score: float = Field(0.0, ge=0.0, le=1.0)
    evidence: dict[str, Any] = Field(default_factory=dict)
    message: str = ""
    mode: Literal["code", "llm", "hybrid"] = "code"
    judge: dict[str, Any] | None = None
    """For llm/hybrid: model, tokens, cost_usd, raw reply."""

    @model_validator(mode="before")
    @classmethod
    def _default_score(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("score") is None:
            data = {**data, "score": 1.0 if data.get("status") == "pass" else 0.0}
        return data

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @classmethod
    def error(cls, message: str, **evidence: Any) -> Verdict:
        return cls(status="verifier_error", score=0.0, message=message, evidence=evidence)


def run_code_verifier(
    fn: Callable[..., Any],
    initial: sqlite3.Connection,
    final: sqlite3.Connection,
    answer: str | None,
    timeout_s: float | None,
) -> Verdict:
    """Call ``verify_<task>(initial, final, answer)`` under a time limit and validate what it returns."""
    name = getattr(fn, "__name__", "verifier")
    try:
        with time_limit(timeout_s):
            raw = fn(initial, final, answer)
    except CallTimeout as exc:
        return Verdict.error(f"{name} {exc}")
    except Exception as exc:
        return Verdict.error(f"{name} raised {type(exc).__name__}: {exc}")
    if not isinstance(raw, dict):
        return Verdict.error(f"{name} returned {type(raw).__name__}, expected a dict with 'status'")
    if raw.get("status") not in ("pass", "fail"):
        return Verdict.error(f"{name} returned status {raw.get('status')!r}; expected 'pass' or 'fail'")
    try:
        verdict = Verdict.model_validate(
            {k: raw.get(k) for k in ("status", "score", "evidence", "message") if k in raw}
        )
    except ValidationError as exc:
        return Verdict.error(f"{name} returned a malformed verdict: {exc.errors()[0]['msg']}")
    if verdict.status == "fail" and verdict.score >= 1.0:
        verdict = verdict.model_copy(update={"score": 0.0})
    return verdict
