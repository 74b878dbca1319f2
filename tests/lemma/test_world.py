"""LemmaWorld end to end: rewards, invalid steps, state round-trips, task folders, replay and exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psignal.check import check_world
from psignal.errors import ActionParseError, StateError, UsageError
from psignal.export import export
from psignal.export.artifact import build_artifact
from psignal.registry import make_world
from psignal.replay import replay_dir
from psignal.taskdir import TaskDir
from pworlds.worlds.lemma import REWARDS, LemmaWorld


def tactic(text: str) -> dict:
    return {"name": "tactic", "arguments": {"tactic": text}}


def test_default_task_is_identity_and_instruction_shows_the_theorem() -> None:
    w = LemmaWorld()
    obs = w.reset()
    assert w.task == "identity"
    assert obs["text"] == "p : Prop\n⊢ p → p"
    assert obs["goals"][0]["target"] == "p → p"
    assert "theorem identity (p : Prop) : p → p" in w.instruction()


def test_rewards_for_step_solve_and_invalid() -> None:
    w = LemmaWorld()
    w.reset()
    bad = w.step(tactic("exact h"))
    assert (
        not bad.valid
        and bad.reward == REWARDS["invalid"]
        and "unknown identifier 'h'" in bad.observation["text"]
    )
    assert bad.observation["text"].endswith("⊢ p → p")
    first = w.step(tactic("intro h"))
    assert first.valid and first.reward == REWARDS["step"] and not first.terminated
    last = w.step(tactic("exact h"))
    assert last.terminated and not last.truncated and last.reward == REWARDS["solved"]
    assert last.observation["text"] == "no goals"


def test_shaping_rewards_closed_goals_only_when_enabled() -> None:
    plain, shaped = LemmaWorld(), LemmaWorld({"shaping": True})
    for w in (plain, shaped):
        w.reset(task="and_intro")
        w.step(tactic("intro hp hq"))
        w.step(tactic("constructor"))
    assert plain.step(tactic("exact hp")).reward == REWARDS["step"]
    assert shaped.step(tactic("exact hp")).reward == pytest.approx(REWARDS["step"] + REWARDS["goal_closed"])


def test_wrong_argument_shape_is_an_invalid_step() -> None:
    w = LemmaWorld()
    w.reset()
    assert not w.step({"name": "tactic", "arguments": {}}).valid
    assert not w.step({"name": "intro", "arguments": {}}).valid


def test_parse_action_turns_text_into_a_tactic() -> None:
    w = LemmaWorld()
    assert w.parse_action("intro h") == tactic("intro h")
    assert w.parse_action(json.dumps(tactic("exact h"))) == tactic("exact h")
    with pytest.raises(ActionParseError):
        w.parse_action("   ")


def test_custom_statement_becomes_the_custom_task() -> None:
    w = make_world("lemma", {"statement": "∀ p q : Prop, p ∧ q → q ∧ p"})
    assert w.default_task == "custom"
    w.reset()
    for t in ["intro p q h", "exact ⟨h.2, h.1⟩"]:
        r = w.step(tactic(t))
    assert r.terminated
    assert w.reference_solution() is None


def test_bad_custom_statement_is_a_usage_error_with_column() -> None:
    with pytest.raises(UsageError, match=r"column 17: unknown identifier 'q'"):
        make_world("lemma", {"statement": "∀ p : Prop, p ∧ q"})
    with pytest.raises(UsageError):
        make_world("lemma", {"backend": "isabelle"})


def test_state_restore_round_trip_and_determinism() -> None:
    a = LemmaWorld()
    a.reset(task="and_assoc")
    for t in ["constructor", "intro h", "bogus"]:
        a.step(tactic(t))
    b = LemmaWorld()
    b.restore(a.state())
    assert b.state() == a.state()
    assert b.observe() == a.observe()
    assert check_world("lemma", task="or_swap", episodes=2, steps=10).problems == []


def test_restore_rejects_tampered_state() -> None:
    w = LemmaWorld()
    w.reset()
    state = w.state()
    state["world"]["tactics"] = ["exact nonsense"]
    with pytest.raises(StateError, match="no longer applies"):
        LemmaWorld().restore(state)
    with pytest.raises(StateError):
        LemmaWorld().restore({**w.state(), "world": {"tactics": 3}})


def test_task_folder_replay_export_and_artifact(tmp_path: Path) -> None:
    root = tmp_path / "proof"
    td = TaskDir.create(root, "lemma", task="and_swap")
    for t in ["intro h", "exact h", "obtain ⟨hp, hq⟩ := h", "exact ⟨hq, hp⟩"]:
        td.step(tactic(t))
    td.close()
    assert (root / "proof.lean").read_text().startswith("theorem and_swap (p q : Prop) : p ∧ q → q ∧ p := by")
    report = replay_dir(root)
    assert report.ok, report.summary()
    out = tmp_path / "sft.jsonl"
    export([root], "sft", out)
    convo = json.loads(out.read_text().splitlines()[0])
    messages = convo["messages"]
    assert "⊢ p ∧ q → q ∧ p" in messages[1]["content"]
    calls = [m["tool_calls"][0]["function"] for m in messages if m.get("tool_calls")]
    assert json.loads(calls[0]["arguments"])["tactic"] == "intro h"
    assert any("⊢ q ∧ p" in m["content"] for m in messages if m["role"] == "tool")
    artifact = build_artifact(root)
    assert "proof.lean" in artifact["files"]
