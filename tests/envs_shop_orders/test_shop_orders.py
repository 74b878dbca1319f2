"""Standalone harness for the shipped `shop_orders` toolworld environment.

Does not use the toolworld runtime: it builds the database from schema.sql + seed.sql, loads tools.py and verify.py
from their file paths, and runs every task's reference solution, an empty solution and the negative solution the
way the runtime will (one transaction per tool call, rollback on any exception).
"""

import ast
import importlib.util
import inspect
import sqlite3
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ENV_DIR = (
    Path(__file__).resolve().parents[2] / "src" / "pworlds" / "worlds" / "toolworld" / "envs" / "shop_orders"
)
ALLOWED_IMPORTS = {
    "sqlite3", "json", "datetime", "math", "re", "decimal", "typing", "collections", "itertools", "functools",
    "statistics", "string", "enum", "dataclasses", "__future__",
}  # fmt: skip
FORBIDDEN_NAMES = {
    "exec", "eval", "compile", "open", "__import__", "globals", "locals", "getattr", "setattr", "delattr",
    "vars", "breakpoint", "input",
}  # fmt: skip


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"shop_orders_{name}", ENV_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOLS = _load("tools")
VERIFY = _load("verify")
TASKS = yaml.safe_load((ENV_DIR / "tasks.yaml").read_text())["tasks"]
TASK_IDS = [t["id"] for t in TASKS]


def _tool_functions() -> dict:
    return {
        name: fn
        for name, fn in inspect.getmembers(TOOLS, inspect.isfunction)
        if not name.startswith("_") and fn.__module__ == TOOLS.__name__
    }


def _connect() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@pytest.fixture(scope="module")
def seed_bytes() -> bytes:
    conn = _connect()
    conn.executescript((ENV_DIR / "schema.sql").read_text())
    conn.executescript((ENV_DIR / "seed.sql").read_text())
    return conn.serialize()


def _db(data: bytes, read_only: bool = False) -> sqlite3.Connection:
    conn = _connect()
    conn.deserialize(data)
    conn.execute("PRAGMA foreign_keys = ON")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    return conn


def _call(conn: sqlite3.Connection, name: str, arguments: dict):
    """Run one tool call in its own transaction, as the runtime does."""
    conn.execute("BEGIN")
    try:
        result = _tool_functions()[name](conn, **arguments)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _verify(task: dict, initial: bytes, final: sqlite3.Connection, answer: str | None) -> dict:
    verifier = getattr(VERIFY, task.get("verifier") or f"verify_{task['id']}")
    result = verifier(_db(initial, read_only=True), _db(final.serialize(), read_only=True), answer)
    assert result["status"] in ("pass", "fail")
    assert isinstance(result.get("evidence", {}), dict)
    return result


def _dump(conn: sqlite3.Connection) -> list:
    return list(conn.iterdump())


# ---------------------------------------------------------------- files and data


def test_env_yaml_describes_this_env() -> None:
    env = yaml.safe_load((ENV_DIR / "env.yaml").read_text())
    assert env["id"] == ENV_DIR.name
    assert env["version"] == "1"
    assert env["verification"] == "code"
    assert env["provenance"]["generator"] == "hand-written"
    assert env["title"] and env["domain"] and len(env["description"]) > 100


def test_seed_satisfies_foreign_keys(seed_bytes: bytes) -> None:
    assert _db(seed_bytes).execute("PRAGMA foreign_key_check").fetchall() == []


def test_schema_has_8_to_14_tables_and_a_few_hundred_rows(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert 8 <= len(tables) <= 14
    total = sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables)
    assert 300 <= total <= 2000
    assert conn.execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0] == "2024-06-15"


def test_seed_is_deterministic_sql() -> None:
    text = (ENV_DIR / "seed.sql").read_text().lower()
    for banned in ("random(", "current_timestamp", "current_date", "datetime('now"):
        assert banned not in text


def test_seed_order_totals_are_consistent(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    bad = conn.execute(
        "SELECT o.id FROM orders o WHERE o.total_cents != o.subtotal_cents - o.discount_cents + o.shipping_cents "
        "OR o.subtotal_cents != (SELECT SUM(quantity * unit_price_cents) FROM order_items WHERE order_id = o.id)"
    ).fetchall()
    assert bad == []
    unpaid = conn.execute(
        "SELECT o.id FROM orders o WHERE o.status IN ('paid', 'shipped', 'delivered') AND NOT EXISTS "
        "(SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.kind = 'charge' AND p.amount_cents = o.total_cents)"
    ).fetchall()
    assert unpaid == []


def test_no_generator_script_is_shipped() -> None:
    assert sorted(p.name for p in ENV_DIR.iterdir() if p.is_file()) == [
        "env.yaml", "schema.sql", "seed.sql", "tasks.yaml", "tools.py", "verify.py",
    ]  # fmt: skip


# ---------------------------------------------------------------- code rules


@pytest.mark.parametrize("filename", ["tools.py", "verify.py"])
def test_code_follows_untrusted_code_rules(filename: str) -> None:
    tree = ast.parse((ENV_DIR / filename).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= ALLOWED_IMPORTS
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] in ALLOWED_IMPORTS
        elif isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN_NAMES, f"{filename}:{node.lineno} uses {node.id}"
        elif isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__"), f"{filename}:{node.lineno} accesses {node.attr}"
    for stmt in tree.body:
        allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.Assign, ast.AnnAssign)
        is_docstring = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        assert isinstance(stmt, allowed) or is_docstring, f"{filename}:{stmt.lineno} module-level code"
        if isinstance(stmt, ast.FunctionDef):
            assert not stmt.decorator_list


def test_has_at_least_30_tools() -> None:
    assert len(_tool_functions()) >= 30


@pytest.mark.parametrize("name", sorted(_tool_functions()))
def test_tool_is_typed_and_documented(name: str) -> None:
    fn = _tool_functions()[name]
    params = list(inspect.signature(fn).parameters.values())
    assert params[0].name == "conn"
    for p in params[1:]:
        assert p.annotation is not inspect.Parameter.empty, f"{name}.{p.name} has no type hint"
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    doc = inspect.getdoc(fn)
    assert doc and doc.split("\n\n")[0].strip()
    if len(params) > 1:
        assert "Args:" in doc
        for p in params[1:]:
            assert f"{p.name}:" in doc, f"{name} does not document {p.name}"


def test_verifiers_exist_for_every_task_and_nothing_else() -> None:
    verifiers = {n for n, _ in inspect.getmembers(VERIFY, inspect.isfunction) if n.startswith("verify_")}
    assert verifiers == {t.get("verifier") or f"verify_{t['id']}" for t in TASKS}


# ---------------------------------------------------------------- tasks


def test_exactly_10_tasks_with_unique_ids() -> None:
    assert len(TASKS) == 10
    assert len(set(TASK_IDS)) == 10
    for task in TASKS:
        assert task["instruction"].strip() and task["solution"] and "negative" in task


def test_every_solution_tool_exists_with_valid_arguments() -> None:
    tools = _tool_functions()
    for task in TASKS:
        for call in task["solution"] + task["negative"]["solution"]:
            assert call["name"] in tools, f"{task['id']} uses unknown tool {call['name']}"
            inspect.signature(tools[call["name"]]).bind(None, **call["arguments"])


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_reference_solution_passes(task_id: str, seed_bytes: bytes) -> None:
    task = TASKS[TASK_IDS.index(task_id)]
    conn = _db(seed_bytes)
    for call in task["solution"]:
        _call(conn, call["name"], call["arguments"])
    result = _verify(task, seed_bytes, conn, task.get("answer"))
    assert result["status"] == "pass", result


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_doing_nothing_fails(task_id: str, seed_bytes: bytes) -> None:
    task = TASKS[TASK_IDS.index(task_id)]
    assert _verify(task, seed_bytes, _db(seed_bytes), None)["status"] == "fail"


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_negative_solution_fails(task_id: str, seed_bytes: bytes) -> None:
    task = TASKS[TASK_IDS.index(task_id)]
    conn = _db(seed_bytes)
    for call in task["negative"]["solution"]:
        try:
            _call(conn, call["name"], call["arguments"])
        except Exception:  # the runtime returns {"error": ...} and the episode goes on
            pass
    result = _verify(task, seed_bytes, conn, task["negative"].get("answer"))
    assert result["status"] == "fail", result


@pytest.mark.parametrize(
    ("task_id", "answer", "status"),
    [
        ("top_outdoor_product_may", "The Insulated Water Bottle 32oz sold the most (9 units).", "pass"),
        ("top_outdoor_product_may", "insulated water bottle", "pass"),
        ("top_outdoor_product_may", "OUT-BTL1", "pass"),
        ("top_outdoor_product_may", "Insulated Water Bottle 32oz, then Summit Down Sleeping Bag 0F", "fail"),
        ("reno_out_of_stock", "ap-rjkt (Packable Rain Jacket)\nEL-WCAM\nTG-BGME", "pass"),
        ("reno_out_of_stock", "Packable Rain Jacket, HD Webcam 1080p and Settlers Strategy Board Game", "pass"),
        ("reno_out_of_stock", "AP-RJKT, EL-WCAM", "fail"),
        ("refunds_total_may", "We refunded $2,481.45 in May 2024 across 5 refunds.", "pass"),
        ("refunds_total_may", "2481.45", "pass"),
        ("refunds_total_may", "248145 cents", "pass"),
        ("refunds_total_may", "Either $2,481.45 or $3,741.12", "fail"),
        ("refunds_total_may", "$2,481", "fail"),
    ],
)  # fmt: skip
def test_information_verifiers_normalise_answers(
    task_id: str, answer: str, status: str, seed_bytes: bytes
) -> None:
    task = TASKS[TASK_IDS.index(task_id)]
    assert _verify(task, seed_bytes, _db(seed_bytes), answer)["status"] == status


def test_information_task_fails_when_data_was_changed(seed_bytes: bytes) -> None:
    task = TASKS[TASK_IDS.index("refunds_total_may")]
    conn = _db(seed_bytes)
    _call(conn, "update_product", {"product_id": 1, "price_cents": 100})
    assert _verify(task, seed_bytes, conn, task["answer"])["status"] == "fail"


# ---------------------------------------------------------------- business rules


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("cancel_order", {"order_id": 1084, "reason": "changed mind"}, "cannot be cancelled"),
        ("cancel_order", {"order_id": 1079, "reason": "changed mind"}, "cannot be cancelled"),
        ("apply_coupon", {"order_id": 1089, "code": "SPRING25"}, "valid 2024-03-20..2024-05-31"),
        ("apply_coupon", {"order_id": 1089, "code": "GOLD30"}, "gold loyalty tier"),
        ("apply_coupon", {"order_id": 1089, "code": "TRAIL5"}, "usage limit"),
        ("apply_coupon", {"order_id": 1089, "code": "BOOKWORM"}, "no longer active"),
        ("apply_coupon", {"order_id": 1086, "code": "HOME20"}, "before payment"),
        ("request_return", {"order_id": 1079, "product_id": 28, "quantity": 1, "reason": "too small"}, "within 30"),
        ("request_return", {"order_id": 1082, "product_id": 11, "quantity": 5, "reason": "chipped"}, "can still be"),
        ("transfer_stock", {"product_id": 1, "from_warehouse_code": "RNO", "to_warehouse_code": "CMH", "quantity": 4},
         "not enough stock"),
        ("transfer_stock", {"product_id": 1, "from_warehouse_code": "XYZ", "to_warehouse_code": "CMH", "quantity": 1},
         "unknown warehouse"),
        ("issue_refund", {"order_id": 1083, "amount_cents": 999999, "reason": "goodwill"}, "exceeds"),
        ("issue_refund", {"order_id": 1089, "amount_cents": 100, "reason": "goodwill"}, "no payment"),
        ("ship_order", {"order_id": 1089, "carrier": "UPS", "tracking_number": "1Z1"}, "only paid orders"),
        ("add_review", {"customer_id": 23, "product_id": 9, "rating": 5, "title": "Great"}, "no delivered order"),
        ("create_order", {"customer_id": 21, "product_ids": [45], "quantities": [1], "warehouse_code": "CMH"},
         "discontinued"),
        ("remove_order_item", {"order_id": 1086, "product_id": 26}, "only change while it is pending"),
        ("delete_address", {"address_id": 27}, "default address"),
    ],
)  # fmt: skip
def test_business_rule_violation_raises_and_changes_nothing(
    tool: str, arguments: dict, message: str, seed_bytes: bytes
) -> None:
    conn = _db(seed_bytes)
    before = _dump(conn)
    with pytest.raises(ValueError, match=message):
        _call(conn, tool, arguments)
    assert _dump(conn) == before


def test_failed_multi_step_call_rolls_back_earlier_writes(seed_bytes: bytes) -> None:
    """create_order inserts the order before it finds the second product out of stock; nothing may remain."""
    conn = _db(seed_bytes)
    before = _dump(conn)
    with pytest.raises(ValueError, match="not enough stock"):
        _call(conn, "create_order", {"customer_id": 21, "product_ids": [2, 1], "quantities": [1, 50],
                                     "warehouse_code": "RNO"})  # fmt: skip
    assert _dump(conn) == before


def test_suspended_customer_cannot_pay(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    _call(conn, "update_customer", {"customer_id": 23, "status": "suspended"})
    with pytest.raises(ValueError, match="payment refused"):
        _call(conn, "pay_order", {"order_id": 1089, "method": "card"})


def test_cancel_releases_coupon_and_restocks(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    uses = conn.execute("SELECT times_used FROM coupons WHERE code = 'HOME20'").fetchone()[0]
    stock = _call(conn, "get_stock", {"product_id": 9, "warehouse_code": "ABE"})[0]["quantity"]
    _call(conn, "apply_coupon", {"order_id": 1089, "code": "home20"})
    assert conn.execute("SELECT times_used FROM coupons WHERE code = 'HOME20'").fetchone()[0] == uses + 1
    order = _call(conn, "cancel_order", {"order_id": 1089, "reason": "customer request"})
    assert order["status"] == "cancelled" and order["payments"] == []
    assert conn.execute("SELECT times_used FROM coupons WHERE code = 'HOME20'").fetchone()[0] == uses
    assert _call(conn, "get_stock", {"product_id": 9, "warehouse_code": "ABE"})[0]["quantity"] == stock + 1


def test_removing_items_below_coupon_minimum_drops_the_coupon(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    _call(conn, "apply_coupon", {"order_id": 1089, "code": "HOME20"})
    order = _call(conn, "remove_order_item", {"order_id": 1089, "product_id": 17})
    assert order["coupon_code"] == "HOME20" and order["discount_cents"] == 1460
    order = _call(conn, "remove_order_item", {"order_id": 1089, "product_id": 9})
    assert order["coupon_code"] is None and order["discount_cents"] == 0
    assert order["total_cents"] == order["subtotal_cents"] + order["shipping_cents"] == 2800 + 599


def test_full_order_lifecycle(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    order = _call(conn, "create_order", {"customer_id": 25, "product_ids": [3, 11], "quantities": [1, 2],
                                         "warehouse_code": "CMH"})  # fmt: skip
    assert order["status"] == "pending" and order["total_cents"] == 24900 + 2 * 1299
    _call(conn, "pay_order", {"order_id": order["id"], "method": "paypal"})
    _call(conn, "ship_order", {"order_id": order["id"], "carrier": "UPS", "tracking_number": "1ZTEST0001"})
    _call(conn, "mark_delivered", {"order_id": order["id"]})
    ret = _call(
        conn, "request_return", {"order_id": order["id"], "product_id": 11, "quantity": 1, "reason": "x"}
    )
    done = _call(conn, "approve_return", {"return_id": ret["id"], "restock": True})
    assert done["status"] == "refunded" and done["refund_cents"] == 1299
    review = _call(conn, "add_review", {"customer_id": 25, "product_id": 3, "rating": 4, "title": "Warm"})
    assert review["created_at"] == "2024-06-15"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_search_tools_filter_and_page(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    outdoor = _call(conn, "search_products", {"category": "outdoor", "limit": 200})
    assert outdoor and all(p["category"] == "Outdoor" and p["active"] == 1 for p in outdoor)
    page1 = _call(conn, "search_orders", {"status": "delivered", "limit": 5})
    page2 = _call(conn, "search_orders", {"status": "delivered", "limit": 5, "offset": 5})
    assert len(page1) == 5 and not {o["id"] for o in page1} & {o["id"] for o in page2}
    with pytest.raises(ValueError, match="limit"):
        _call(conn, "search_orders", {"limit": 0})
    with pytest.raises(ValueError, match="unknown category"):
        _call(conn, "search_products", {"category": "Garden"})
