"""The ``llm`` and ``hybrid`` verification modes: an LLM judge behind any OpenAI-compatible endpoint.

The judge reads the task, the trajectory (tool calls and results) and the final answer; in ``hybrid`` mode
also the code verifier's verdict, its evidence and the net DB diff. It must reply with a JSON object
``{"status": "pass" | "fail", "score": 0..1, "reason": str}`` (structured output). Anything else —
unreachable endpoint, refusal, malformed JSON — is a ``verifier_error`` verdict, never a pass. The
judge's model, token counts and estimated cost go into ``verdict.judge`` and from there into the trace.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from pworlds.worlds.toolworld.verify import Verdict

PRICES_PER_1K: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.00015, 0.0006),
    "gpt-4o": (0.0025, 0.01),
    "gpt-4.1-mini": (0.0004, 0.0016),
    "gpt-4.1": (0.002, 0.008),
}
"""USD per 1k (prompt, completion) tokens for cost estimates; unknown models cost 0 (local servers)."""

SYSTEM_PROMPT = """You are a strict grader of an AI agent that used tools to operate a database-backed application.
Decide whether the agent fully accomplished the user's task. Judge only by the evidence given (tool calls,
their results, the final answer{hybrid}). Partial or wrong changes, changes to unrelated records, or a wrong
final answer mean "fail". Reply with JSON only: {{"status": "pass" | "fail", "score": number 0..1, "reason": str}}."""

VERDICT_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["pass", "fail"]},
        "score": {"type": "number"},
        "reason": {"type": "string"},
    },
    "required": ["status", "score", "reason"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class JudgeSettings:
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 60.0
    max_chars: int = 60_000
    """The trajectory is cut to this many characters (oldest steps kept first) to bound the prompt."""


def build_messages(
    *,
    instruction: str,
    trajectory: list[dict[str, Any]],
    answer: str | None,
    mode: str,
    code_verdict: Verdict | None,
    db_diff: dict[str, Any] | None,
    max_chars: int,
) -> list[dict[str, str]]:
    payload: dict[str, Any] = {"task": instruction, "trajectory": trajectory, "final_answer": answer}
    if mode == "hybrid":
        payload["code_verifier"] = (
            None
            if code_verdict is None
            else code_verdict.model_dump(include={"status", "score", "evidence", "message"})
        )
        payload["db_diff"] = db_diff
    text = json.dumps(payload, ensure_ascii=False, default=str)
    if len(text) > max_chars:
        text = text[:max_chars] + " …(truncated)"
    hybrid = ", the code verifier's verdict and evidence, and the database diff" if mode == "hybrid" else ""
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(hybrid=hybrid)},
        {"role": "user", "content": text},
    ]


def judge(
    settings: JudgeSettings,
    *,
    instruction: str,
    trajectory: list[dict[str, Any]],
    answer: str | None,
    mode: str = "llm",
    code_verdict: Verdict | None = None,
    db_diff: dict[str, Any] | None = None,
) -> Verdict:
    """Ask the judge; every failure mode becomes a ``verifier_error`` verdict with the reason."""
    import openai

    messages = build_messages(
        instruction=instruction,
        trajectory=trajectory,
        answer=answer,
        mode=mode,
        code_verdict=code_verdict,
        db_diff=db_diff,
        max_chars=settings.max_chars,
    )
    base = {"model": settings.model, "mode": mode}
    if not settings.base_url and not os.environ.get(settings.api_key_env):
        return _error(mode, "no judge endpoint: set judge_base_url / OPENAI_BASE_URL or OPENAI_API_KEY", base)
    client = openai.OpenAI(
        base_url=settings.base_url,
        api_key=os.environ.get(settings.api_key_env) or "not-needed",
        timeout=settings.timeout_s,
        max_retries=0,
    )
    try:
        response = client.chat.completions.create(
            model=settings.model,
            messages=messages,  # type: ignore[arg-type]
            temperature=0,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "verdict", "strict": True, "schema": VERDICT_SCHEMA},
            },
        )
    except openai.OpenAIError as exc:
        return _error(
            mode, f"judge endpoint {settings.base_url or 'default'} failed: {type(exc).__name__}: {exc}", base
        )
    finally:
        client.close()
    usage = response.usage
    prompt_tokens = usage.prompt_tokens if usage else 0
    completion_tokens = usage.completion_tokens if usage else 0
    price_in, price_out = PRICES_PER_1K.get(settings.model, (0.0, 0.0))
    info = {
        **base,
        "response_model": response.model,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_usd": round(prompt_tokens / 1000 * price_in + completion_tokens / 1000 * price_out, 8),
    }
    content = (response.choices[0].message.content if response.choices else None) or ""
    info["raw"] = content[:2000]
    try:
        reply = json.loads(content)
        status = reply["status"]
        if status not in ("pass", "fail"):
            raise ValueError(f"status {status!r}")
        score = float(reply.get("score", 1.0 if status == "pass" else 0.0))
        score = min(max(score, 0.0), 1.0) if status == "pass" else 0.0
        reason = str(reply.get("reason", ""))
    except (ValueError, KeyError, TypeError) as exc:
        return _error(mode, f"judge reply is not a verdict ({exc}): {content[:200]!r}", info)
    evidence: dict[str, Any] = {"judge_reason": reason}
    if code_verdict is not None:
        evidence["code_verdict"] = code_verdict.model_dump(include={"status", "score", "evidence", "message"})
    return Verdict(status=status, score=score, evidence=evidence, message=reason, mode=mode, judge=info)  # type: ignore[arg-type]


def _error(mode: str, message: str, info: dict[str, Any]) -> Verdict:
    return Verdict(status="verifier_error", score=0.0, message=message, mode=mode, judge=info)  # type: ignore[arg-type]
