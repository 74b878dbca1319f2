"""`env check`: every problem is reported with its file and line; good envs pass."""

from __future__ import annotations

from pworlds.worlds.toolworld.validate import check_env

from .conftest import MINI_SHOP, add_tool


def _problems(path) -> list[str]:
    return [str(p) for p in check_env(path).problems]


def test_fixture_env_passes() -> None:
    report = check_env(MINI_SHOP)
    assert report.ok, report.problems
    assert report.tools == 5 and report.tasks == 3


def test_bad_sql_in_schema_names_the_line(env_copy) -> None:
    schema = (MINI_SHOP / "schema.sql").read_text() + "\nCREATE TABEL oops (x);\n"
    problems = _problems(env_copy(**{"schema.sql": schema}))
    line = schema.splitlines().index("CREATE TABEL oops (x);") + 1
    assert any(p.startswith(f"schema.sql:{line}:") and "syntax error" in p for p in problems), problems


def test_seed_row_violating_check_constraint(env_copy) -> None:
    seed = (MINI_SHOP / "seed.sql").read_text() + "INSERT INTO products VALUES (9, 'Bad', -1.0, 1);\n"
    problems = _problems(env_copy(**{"seed.sql": seed}))
    assert any(p.startswith(f"seed.sql:{len(seed.splitlines())}:") and "CHECK" in p for p in problems), (
        problems
    )


def test_seed_row_with_missing_foreign_key_parent(env_copy) -> None:
    seed = (
        MINI_SHOP / "seed.sql"
    ).read_text() + "INSERT INTO orders VALUES (200, 77, 'pending', '2026-01-01', NULL);\n"
    problems = _problems(env_copy(**{"seed.sql": seed}))
    assert any(p.startswith("seed.sql:") and "missing customers row" in p for p in problems), problems


def test_tool_without_type_hint(env_copy) -> None:
    tool = 'def untyped(conn: sqlite3.Connection, order_id) -> dict:\n    """No hint."""\n    return {}\n'
    tools = add_tool(tool)
    line = tools.splitlines().index("def untyped(conn: sqlite3.Connection, order_id) -> dict:") + 1
    problems = _problems(env_copy(**{"tools.py": tools}))
    assert any(p.startswith(f"tools.py:{line}:") and "'order_id' has no type hint" in p for p in problems), (
        problems
    )


def test_tool_with_unsafe_code(env_copy) -> None:
    problems = _problems(env_copy(**{"tools.py": "import os\n" + (MINI_SHOP / "tools.py").read_text()}))
    assert any(p.startswith("tools.py:1:") and "'os'" in p for p in problems), problems


def test_task_naming_a_missing_verifier(env_copy) -> None:
    tasks = (
        (MINI_SHOP / "tasks.yaml")
        .read_text()
        .replace("verifier: verify_add_kettle", "verifier: verify_nothing")
    )
    problems = _problems(env_copy(**{"tasks.yaml": tasks}))
    line = tasks.splitlines().index("  - id: add_kettle") + 1
    assert any(p.startswith(f"tasks.yaml:{line}:") and "verify_nothing" in p for p in problems), problems


def test_solution_calling_unknown_tool(env_copy) -> None:
    tasks = (
        (MINI_SHOP / "tasks.yaml")
        .read_text()
        .replace(
            "{name: stock_of, arguments: {product_name: Mug}}",
            "{name: stock_level, arguments: {product_name: Mug}}",
        )
    )
    problems = _problems(env_copy(**{"tasks.yaml": tasks}))
    line = next(i for i, t in enumerate(tasks.splitlines(), 1) if "stock_level" in t)
    assert any(p.startswith(f"tasks.yaml:{line}:") and "unknown tool 'stock_level'" in p for p in problems), (
        problems
    )


def test_solution_with_bad_arguments(env_copy) -> None:
    tasks = (
        (MINI_SHOP / "tasks.yaml")
        .read_text()
        .replace("{order_id: 103, product_id: 1, quantity: 1}", "{order_id: 103, product: 1}")
    )
    problems = _problems(env_copy(**{"tasks.yaml": tasks}))
    assert any("add_kettle" in p and "invalid arguments" in p for p in problems), problems


def test_malformed_yaml_and_unknown_keys(env_copy) -> None:
    problems = _problems(env_copy(**{"tasks.yaml": "tasks:\n  - id: x\n    instruction: [unclosed\n"}))
    assert any(p.startswith("tasks.yaml:") and "invalid YAML" in p for p in problems), problems
    meta = (MINI_SHOP / "env.yaml").read_text() + "colour: blue\n"
    problems = _problems(env_copy(**{"env.yaml": meta}))
    assert any(p.startswith("env.yaml:") and "colour" in p for p in problems), problems


def test_reference_solution_that_does_not_pass_is_reported(env_copy) -> None:
    tasks = (MINI_SHOP / "tasks.yaml").read_text().replace('answer: "3"', 'answer: "4"')
    problems = _problems(env_copy(**{"tasks.yaml": tasks}))
    assert any("mug_stock" in p and "reference solution does not pass" in p for p in problems), problems


def test_negative_solution_that_passes_is_reported(env_copy) -> None:
    tasks = (MINI_SHOP / "tasks.yaml").read_text().replace('answer: "10"', 'answer: "3"')
    tasks = tasks.replace(
        "{name: stock_of, arguments: {product_name: Kettle}}",
        "{name: stock_of, arguments: {product_name: Mug}}",
    )
    problems = _problems(env_copy(**{"tasks.yaml": tasks}))
    assert any("mug_stock" in p and "negative solution passes" in p for p in problems), problems


def test_missing_files_are_reported(env_copy) -> None:
    path = env_copy()
    (path / "verify.py").unlink()
    problems = _problems(path)
    assert any(p.startswith("verify.py:") and "missing" in p for p in problems), problems
