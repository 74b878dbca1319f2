"""AWM compatibility: the published JSONL layout imports into runnable envs served in-process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pworlds.worlds.toolworld import ToolWorld
from pworlds.worlds.toolworld.awm import AWMImportError, import_awm
from pworlds.worlds.toolworld.validate import check_env

from .conftest import AWM_SOURCE


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("awm")
    (path,) = import_awm(AWM_SOURCE, out)
    return path


def test_import_writes_an_env_folder(imported: Path) -> None:
    assert imported.name == "library_loans"
    for name in (
        "env.yaml",
        "schema.sql",
        "seed.sql",
        "tasks.yaml",
        "awm_app.py",
        "awm_spec.json",
        "awm_verifiers.json",
    ):
        assert (imported / name).is_file(), name
    report = check_env(imported)
    assert report.ok, report.problems
    assert report.tools == 4 and report.tasks == 2


def test_tools_run_in_process_against_the_episode_db(imported: Path) -> None:
    world = ToolWorld({"env": str(imported)})
    world.reset(task="task_0")
    members = world.step({"name": "find_members", "arguments": {"name": "Ana"}})
    assert members.observation["result"] == [{"id": 1, "name": "Ana Lima"}]
    borrowed = world.step({"name": "borrow_book", "arguments": {"member_id": 1, "book_id": 1}})
    assert borrowed.valid and borrowed.observation["result"]["status"] == "active"
    assert borrowed.info["db_diff"]["loans"]["inserted"] == [
        {"id": 2, "member_id": 1, "book_id": 1, "status": "active"}
    ]
    result = world.step({"name": "finish", "arguments": {}})
    assert result.reward == 1.0 and result.info["verdict"]["evidence"]["awm"] == {"result": "complete"}
    world.close()


def test_http_errors_are_invalid_and_rolled_back(imported: Path) -> None:
    world = ToolWorld({"env": str(imported)})
    world.reset(task="task_0")
    h = world.state()["world"]["db_hash"]
    result = world.step({"name": "borrow_book", "arguments": {"member_id": 1, "book_id": 2}})
    assert not result.valid and "HTTP 409" in result.observation["error"]
    assert not world.step({"name": "return_book", "arguments": {"loan_id": 99}}).valid
    assert not world.step({"name": "borrow_book", "arguments": {"member_id": "x", "book_id": 1}}).valid
    assert world.state()["world"]["db_hash"] == h
    world.close()


def test_episodes_of_an_awm_env_are_independent(imported: Path) -> None:
    a, b = ToolWorld({"env": str(imported)}), ToolWorld({"env": str(imported)})
    a.reset(task="task_0")
    b.reset(task="task_0")
    a.step({"name": "borrow_book", "arguments": {"member_id": 1, "book_id": 1}})
    books = b.step({"name": "list_books", "arguments": {"title": "Dune"}}).observation["result"]
    assert books[0]["copies_available"] == 2
    assert a.step({"name": "finish", "arguments": {}}).reward == 1.0
    assert b.step({"name": "finish", "arguments": {}}).reward == 0.0
    a.close()
    b.close()


def test_information_task_checks_the_answer(imported: Path) -> None:
    world = ToolWorld({"env": str(imported)})
    world.reset(task="task_1")
    assert world.step({"name": "finish", "arguments": {"answer": "2 titles"}}).reward == 1.0
    world.reset(task="task_1")
    assert world.step({"name": "finish", "arguments": {"answer": "3"}}).reward == 0.0
    world.close()


def test_import_rejects_incomplete_source(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(AWM_SOURCE, src)
    (src / "gen_envs.jsonl").unlink()
    with pytest.raises(AWMImportError, match=r"gen_envs\.jsonl"):
        import_awm(src, tmp_path / "out")
    shutil.copy(AWM_SOURCE / "gen_envs.jsonl", src / "gen_envs.jsonl")
    (src / "gen_tasks.jsonl").write_text("{not json\n")
    with pytest.raises(AWMImportError, match=r"gen_tasks\.jsonl:1"):
        import_awm(src, tmp_path / "out")
    (src / "gen_tasks.jsonl").write_text(json.dumps({"scenario": "other", "tasks": []}) + "\n")
    with pytest.raises(AWMImportError, match="no row"):
        import_awm(src, tmp_path / "out")


def test_runaway_query_in_an_awm_endpoint_times_out(imported: Path, tmp_path: Path) -> None:
    env = tmp_path / "library_loans"
    shutil.copytree(imported, env)
    app = (
        (env / "awm_app.py")
        .read_text()
        .replace(
            'if __name__ == "__main__":',
            '@app.get("/api/spin", operation_id="spin")\n'
            "def spin(db: Session = Depends(get_db)):\n"
            "    from sqlalchemy import text\n"
            '    sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"\n'
            "    return {'n': db.execute(text(sql)).scalar()}\n\n\n"
            'if __name__ == "__main__":',
        )
    )
    (env / "awm_app.py").write_text(app)
    spec = json.loads((env / "awm_spec.json").read_text())
    spec["api_groups"][0]["endpoints"].append(
        {
            "operation_id": "spin",
            "path": "/api/spin",
            "method": "GET",
            "summary": "Spin",
            "request_params": {},
        }
    )
    (env / "awm_spec.json").write_text(json.dumps(spec))
    # generous limit: the runaway query never ends, while a normal call must pass even on a loaded CI machine
    world = ToolWorld({"env": str(env), "tool_timeout_s": 2.0})
    world.reset(task="task_0")
    result = world.step({"name": "spin", "arguments": {}})
    assert not result.valid
    assert world.step({"name": "list_books", "arguments": {"title": "Dune"}}).valid
    world.close()
