"""LLM and hybrid verification against a local OpenAI-compatible server replaying recorded responses."""

from __future__ import annotations

import pytest

from pworlds.worlds.toolworld import ToolWorld

from .conftest import MINI_SHOP
from .openai_replay import ReplayServer, recorded


def _finish(world: ToolWorld, calls: list[dict]) -> dict:
    world.reset(task="cancel_pending_order")
    for call in calls:
        world.step(call)
    return world.step({"name": "finish", "arguments": {"answer": None}}).info["verdict"]


CANCEL = [{"name": "cancel_order", "arguments": {"order_id": 102, "reason": "changed mind"}}]


def test_llm_mode_pass_records_model_tokens_and_cost() -> None:
    with ReplayServer([recorded("pass")]) as server:
        world = ToolWorld({"env": str(MINI_SHOP), "verification": "llm", "judge_base_url": server.base_url})
        assert world.deterministic is False
        verdict = _finish(world, CANCEL)
    assert verdict["status"] == "pass" and verdict["mode"] == "llm"
    judge = verdict["judge"]
    assert (
        judge["model"] == "gpt-4o-mini" and judge["prompt_tokens"] == 812 and judge["completion_tokens"] == 31
    )
    assert judge["cost_usd"] == pytest.approx(812 / 1000 * 0.00015 + 31 / 1000 * 0.0006)
    (request,) = server.requests
    body = request["body"]
    assert body["response_format"]["type"] == "json_schema"
    assert "cancel_order" in body["messages"][1]["content"]
    assert "code_verifier" not in body["messages"][1]["content"]


def test_hybrid_mode_sends_code_verdict_evidence_and_db_diff() -> None:
    with ReplayServer([recorded("fail")]) as server:
        world = ToolWorld(
            {"env": str(MINI_SHOP), "verification": "hybrid", "judge_base_url": server.base_url}
        )
        verdict = _finish(world, [{"name": "cancel_order", "arguments": {"order_id": 103, "reason": "x"}}])
    assert verdict["status"] == "fail" and verdict["mode"] == "hybrid"
    assert verdict["evidence"]["code_verdict"]["status"] == "fail"
    content = server.requests[0]["body"]["messages"][1]["content"]
    assert '"code_verifier"' in content and '"db_diff"' in content and '"changed_orders"' in content


@pytest.mark.parametrize("name", ["malformed", "server_error"])
def test_bad_judge_reply_is_verifier_error(name: str) -> None:
    with ReplayServer([recorded(name)]) as server:
        world = ToolWorld({"env": str(MINI_SHOP), "verification": "llm", "judge_base_url": server.base_url})
        world.reset(task="cancel_pending_order")
        result = world.step({"name": "finish", "arguments": {}})
    assert result.info["verdict"]["status"] == "verifier_error" and result.reward == 0.0


def test_unreachable_judge_is_verifier_error() -> None:
    world = ToolWorld(
        {
            "env": str(MINI_SHOP),
            "verification": "llm",
            "judge_base_url": "http://127.0.0.1:9/v1",
            "judge_timeout_s": 2,
        }
    )
    world.reset(task="cancel_pending_order")
    verdict = world.step({"name": "finish", "arguments": {}}).info["verdict"]
    assert verdict["status"] == "verifier_error" and "failed" in verdict["message"]
