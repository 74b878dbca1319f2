"""Episodes: independent in-memory DBs, one transaction per call, exact DB diffs and content hashes."""

from __future__ import annotations

import sqlite3

from pworlds.worlds.toolworld import ToolWorld
from pworlds.worlds.toolworld.episode import Episode, content_hash, split_sql
from pworlds.worlds.toolworld.loader import load_env

from .conftest import MINI_SHOP, add_tool


def _rows(world: ToolWorld, sql: str) -> list[tuple]:
    return [tuple(r) for r in world.episode.conn.execute(sql)]


def test_episodes_are_independent(world: ToolWorld) -> None:
    other = ToolWorld({"env": str(MINI_SHOP)})
    world.reset(task="cancel_pending_order")
    other.reset(task="cancel_pending_order")
    world.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "x"}})
    assert _rows(world, "SELECT status FROM orders WHERE id = 102") == [("cancelled",)]
    assert _rows(other, "SELECT status FROM orders WHERE id = 102") == [("pending",)]
    world.reset(task="cancel_pending_order")
    assert _rows(world, "SELECT status FROM orders WHERE id = 102") == [("pending",)]
    other.close()


def test_db_diff_lists_updated_rows_with_before_and_after(world: ToolWorld) -> None:
    world.reset(task="cancel_pending_order")
    result = world.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "changed mind"}})
    diff = result.info["db_diff"]
    assert set(diff) == {"orders", "products"}
    (change,) = diff["orders"]["updated"]
    assert change["before"]["status"] == "pending" and change["after"]["status"] == "cancelled"
    assert diff["products"]["updated"][0]["after"]["stock"] == 5


def test_db_diff_of_inserts_deletes_and_read_only_calls(env_copy) -> None:
    tool = (
        "def churn(conn: sqlite3.Connection) -> int:\n"
        '    """Insert two customers, delete one of them and an existing one."""\n'
        "    conn.execute(\"INSERT INTO customers VALUES (3, 'A'), (4, 'B')\")\n"
        '    conn.execute("DELETE FROM customers WHERE id IN (3, 2)")\n'
        "    return 0\n"
    )
    world = ToolWorld({"env": str(env_copy(**{"tools.py": add_tool(tool)}))})
    world.reset(task="mug_stock")
    # deleting customer 2 violates the FK from orders: the whole call is rolled back
    bad = world.step({"name": "churn", "arguments": {}})
    assert not bad.valid and "constraint" in bad.observation["error"].lower()
    assert _rows(world, "SELECT id FROM customers ORDER BY id") == [(1,), (2,)]
    assert world.step({"name": "stock_of", "arguments": {"product_name": "Mug"}}).info["db_diff"] == {}
    world.close()


def test_failed_call_rolls_back_earlier_writes_of_the_same_call(env_copy) -> None:
    tool = (
        "def half(conn: sqlite3.Connection) -> int:\n"
        '    """Change stock, then fail a business rule."""\n'
        '    conn.execute("UPDATE products SET stock = 99")\n'
        '    raise ValueError("rule broken after a write")\n'
    )
    world = ToolWorld({"env": str(env_copy(**{"tools.py": add_tool(tool)}))})
    world.reset(task="mug_stock")
    h = world.state()["world"]["db_hash"]
    result = world.step({"name": "half", "arguments": {}})
    assert not result.valid and result.observation == {
        "text": "error: rule broken after a write",
        "error": "rule broken after a write",
    }
    assert result.reward == -0.05
    assert _rows(world, "SELECT DISTINCT stock FROM products ORDER BY stock") == [(0,), (3,), (10,)]
    assert world.state()["world"]["db_hash"] == h
    world.close()


def test_check_constraint_violation_is_an_invalid_step(world: ToolWorld) -> None:
    world.reset(task="add_kettle")
    result = world.step({"name": "add_item", "arguments": {"order_id": 103, "product_id": 2, "quantity": 9}})
    assert not result.valid and "CHECK constraint" in result.observation["error"]
    assert _rows(world, "SELECT stock FROM products WHERE id = 2") == [(3,)]


def test_incremental_hash_equals_full_recount(world: ToolWorld) -> None:
    world.reset(task="add_kettle")
    for action in [
        *world.reference_solution()[:-1],
        {"name": "cancel_order", "arguments": {"order_id": 102, "reason": "r"}},
        {"name": "add_item", "arguments": {"order_id": 103, "product_id": 2, "quantity": 1}},
    ]:
        assert world.step(action).valid
    env = load_env(MINI_SHOP)
    assert world.episode.hash == content_hash(world.episode.conn, list(env.image.tables))
    assert world.episode.hash != env.image.initial_hash


def test_tools_cannot_forge_the_row_log(env_copy) -> None:
    tool = (
        "def forge(conn: sqlite3.Connection) -> int:\n"
        '    """Pretend a row changed."""\n'
        "    conn.execute(\"SELECT _pw_log('orders', 101, 0)\")\n"
        "    return 0\n"
    )
    world = ToolWorld({"env": str(env_copy(**{"tools.py": add_tool(tool)}))})
    world.reset(task="mug_stock")
    result = world.step({"name": "forge", "arguments": {}})
    assert not result.valid and "not authorized" in result.observation["error"]
    world.close()


def test_episode_from_serialized_bytes_keeps_hash(world: ToolWorld) -> None:
    world.reset(task="cancel_pending_order")
    world.step({"name": "cancel_order", "arguments": {"order_id": 102, "reason": "r"}})
    copy = Episode(world.env.image, data=world.episode.serialize())
    assert copy.hash == world.episode.hash
    copy.close()


def test_split_sql_reports_start_lines() -> None:
    text = "-- c\nCREATE TABLE a (x);\n\nINSERT INTO a VALUES\n  (1);\nINSERT INTO a VALUES (';');\n"
    assert [line for line, _ in split_sql(text)] == [2, 4, 6]
    assert all(sqlite3.complete_statement(s) for _, s in split_sql(text))
