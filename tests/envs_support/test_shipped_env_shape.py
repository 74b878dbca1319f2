"""Generic checks every shipped toolworld env must pass, run standalone (no runtime) for each env once.

What ``tests/toolworld/test_shipped_envs.py`` already checks through the runtime is not repeated here: ``env
check`` (id = folder name, env.yaml/tasks.yaml schema, untrusted-code guard, seed foreign keys, typed tools,
verifiers exist, solution calls name real tools with valid arguments) and, per task, that doing nothing and
the negative solution (every call of it legal) fail. What is left is what the runtime does not enforce: the
format's size rules (≥ 30 documented tools, exactly 10 tasks), the files and metadata a hand-written env
ships, a deterministic seed, and that each reference solution is deterministic and scores exactly 1.
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

import pytest

from envs_support.harness import EnvHarness, dump, shipped_env_ids
from pworlds.worlds.toolworld.envformat import ENV_FILES
from pworlds.worlds.toolworld.tools import parse_docstring

ENV_IDS = shipped_env_ids()
NONDETERMINISTIC_SQL = ("random(", "current_timestamp", "current_date", "datetime('now", "date('now")
GARBAGE_ANSWERS = ["", "I could not find it", "2025", "-1", "WEB-99999", "\u2603" * 500]


def _env_tools() -> list[tuple[str, str]]:
    return [(env_id, name) for env_id in ENV_IDS for name in sorted(EnvHarness.load(env_id).tools)]


def _env_tasks(*, information_only: bool = False) -> list[Any]:
    return [
        pytest.param(env_id, task["id"], id=f"{env_id}/{task['id']}")
        for env_id in ENV_IDS
        for task in EnvHarness.load(env_id).tasks
        if not information_only or task.get("answer") is not None
    ]


# ---------------------------------------------------------------- files and data


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_env_ships_exactly_the_format_files(env_id: str) -> None:
    """No generator script or scratch file rides along with a hand-written env."""
    path = EnvHarness.load(env_id).path
    assert sorted(p.name for p in path.iterdir() if p.is_file()) == sorted(ENV_FILES)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_env_yaml_describes_a_hand_written_code_verified_env(env_id: str) -> None:
    meta = EnvHarness.load(env_id).meta
    assert str(meta["version"]) == "1"
    assert meta["verification"] == "code"
    assert meta["provenance"]["generator"] == "hand-written"
    assert set(meta["provenance"]) == {"generator", "seed", "model"}
    for key in ("title", "description", "domain"):
        assert isinstance(meta[key], str) and meta[key].strip(), key
    assert len(meta["description"]) > 100


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_seed_is_intact_and_realistically_sized(env_id: str) -> None:
    conn = EnvHarness.load(env_id).open()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert 8 <= len(tables) <= 14
    total = sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables)
    assert 300 <= total <= 2000
    assert conn.execute("SELECT value FROM settings WHERE key = 'today'").fetchone() is not None


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_seed_sql_is_deterministic(env_id: str) -> None:
    text = (EnvHarness.load(env_id).path / "seed.sql").read_text().lower()
    for banned in NONDETERMINISTIC_SQL:
        assert banned not in text


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("filename", ["tools.py", "verify.py"])
def test_code_touches_no_double_underscore_attribute(env_id: str, filename: str) -> None:
    """Stricter than the runtime guard (which rejects only __dunder__ access): no ``obj.__x`` at all."""
    tree = ast.parse((EnvHarness.load(env_id).path / filename).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__"), f"{filename}:{node.lineno} accesses {node.attr}"


# ---------------------------------------------------------------- tools


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_has_at_least_30_tools(env_id: str) -> None:
    assert len(EnvHarness.load(env_id).tools) >= 30


@pytest.mark.parametrize(("env_id", "name"), _env_tools())
def test_tool_is_typed_and_documents_every_parameter(env_id: str, name: str) -> None:
    """An agent only sees the docstring: every parameter needs a type and an ``Args:`` description."""
    fn = EnvHarness.load(env_id).tools[name]
    params = list(inspect.signature(fn).parameters.values())[1:]
    summary, descriptions = parse_docstring(inspect.getdoc(fn))
    assert summary, f"{name} has no description"
    for p in params:
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, f"{name}.{p.name} is not a plain parameter"
        assert p.annotation is not inspect.Parameter.empty, f"{name}.{p.name} has no type hint"
        assert descriptions.get(p.name), f"{name} does not document {p.name} under Args:"


# ---------------------------------------------------------------- tasks


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_exactly_10_tasks_with_solutions_and_negatives(env_id: str) -> None:
    tasks = EnvHarness.load(env_id).tasks
    assert len(tasks) == 10
    assert len({t["id"] for t in tasks}) == 10
    for task in tasks:
        assert task["instruction"].strip() and task["solution"], task["id"]
        assert task["negative"]["solution"], (
            f"{task['id']}: a negative is a plausible wrong attempt, not empty"
        )


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_verify_py_has_one_verifier_per_task_and_no_stray_ones(env_id: str) -> None:
    env = EnvHarness.load(env_id)
    verifiers = {
        n for n, _ in inspect.getmembers(env.verify_module, inspect.isfunction) if n.startswith("verify_")
    }
    assert verifiers == {t.get("verifier") or f"verify_{t['id']}" for t in env.tasks}


@pytest.mark.parametrize(("env_id", "task_id"), _env_tasks())
def test_reference_solution_is_deterministic_and_scores_1(env_id: str, task_id: str) -> None:
    """The runtime checks reward > 0; full credit and replayability are checked here, without it."""
    env = EnvHarness.load(env_id)
    task = env.task(task_id)
    runs = []
    for _ in range(2):
        conn = env.open()
        results = [env.call(conn, c["name"], c.get("arguments")) for c in task["solution"]]
        runs.append((conn, results))
    (first, r1), (second, r2) = runs
    assert r1 == r2
    assert dump(first) == dump(second)
    verdict = env.verify(task, first, task.get("answer"))
    assert verdict["status"] == "pass", verdict
    assert verdict.get("score", 1.0) == 1.0


@pytest.mark.parametrize("answer", GARBAGE_ANSWERS)
@pytest.mark.parametrize(("env_id", "task_id"), _env_tasks(information_only=True))
def test_information_verifiers_reject_garbage_answers(env_id: str, task_id: str, answer: str) -> None:
    env = EnvHarness.load(env_id)
    task = env.task(task_id)
    assert env.verify(task, env.run(task["solution"]), answer)["status"] == "fail"
