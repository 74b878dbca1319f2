"""Env-specific checks for the shipped `shop_orders` toolworld env: business rules, answer phrasings, seed
consistency and whole order flows, run against tools.py/verify.py without the runtime.

The checks every shipped env shares live in tests/envs_support/test_shipped_env_shape.py (standalone) and
tests/toolworld/test_shipped_envs.py (through the runtime: reference passes, nothing and negative fail).
"""

from __future__ import annotations

import pytest

from envs_support.harness import EnvHarness

ENV = EnvHarness.load("shop_orders")


# ---------------------------------------------------------------- seed data


def test_seed_is_dated_2024_06_15() -> None:
    assert ENV.open().execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0] == "2024-06-15"


def test_seed_order_totals_are_consistent() -> None:
    conn = ENV.open()
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


# ---------------------------------------------------------------- answers


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
def test_information_verifiers_normalise_answers(task_id: str, answer: str, status: str) -> None:
    assert ENV.verify(task_id, ENV.open(), answer)["status"] == status


def test_information_task_fails_when_data_was_changed() -> None:
    task = ENV.task("refunds_total_may")
    conn = ENV.open()
    ENV.call(conn, "update_product", {"product_id": 1, "price_cents": 100})
    assert ENV.verify(task, conn, task["answer"])["status"] == "fail"


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
def test_business_rule_violation_raises_and_changes_nothing(tool: str, arguments: dict, message: str) -> None:
    ENV.assert_rejected(tool, arguments, message)


def test_failed_multi_step_call_rolls_back_earlier_writes() -> None:
    """create_order inserts the order before it finds the second product out of stock; nothing may remain."""
    ENV.assert_rejected(
        "create_order",
        {"customer_id": 21, "product_ids": [2, 1], "quantities": [1, 50], "warehouse_code": "RNO"},
        "not enough stock",
    )


def test_suspended_customer_cannot_pay() -> None:
    conn = ENV.open()
    ENV.call(conn, "update_customer", {"customer_id": 23, "status": "suspended"})
    with pytest.raises(ValueError, match="payment refused"):
        ENV.call(conn, "pay_order", {"order_id": 1089, "method": "card"})


def test_cancel_releases_coupon_and_restocks() -> None:
    conn = ENV.open()
    uses = conn.execute("SELECT times_used FROM coupons WHERE code = 'HOME20'").fetchone()[0]
    stock = ENV.call(conn, "get_stock", {"product_id": 9, "warehouse_code": "ABE"})[0]["quantity"]
    ENV.call(conn, "apply_coupon", {"order_id": 1089, "code": "home20"})
    assert conn.execute("SELECT times_used FROM coupons WHERE code = 'HOME20'").fetchone()[0] == uses + 1
    order = ENV.call(conn, "cancel_order", {"order_id": 1089, "reason": "customer request"})
    assert order["status"] == "cancelled" and order["payments"] == []
    assert conn.execute("SELECT times_used FROM coupons WHERE code = 'HOME20'").fetchone()[0] == uses
    assert ENV.call(conn, "get_stock", {"product_id": 9, "warehouse_code": "ABE"})[0]["quantity"] == stock + 1


def test_removing_items_below_coupon_minimum_drops_the_coupon() -> None:
    conn = ENV.open()
    ENV.call(conn, "apply_coupon", {"order_id": 1089, "code": "HOME20"})
    order = ENV.call(conn, "remove_order_item", {"order_id": 1089, "product_id": 17})
    assert order["coupon_code"] == "HOME20" and order["discount_cents"] == 1460
    order = ENV.call(conn, "remove_order_item", {"order_id": 1089, "product_id": 9})
    assert order["coupon_code"] is None and order["discount_cents"] == 0
    assert order["total_cents"] == order["subtotal_cents"] + order["shipping_cents"] == 2800 + 599


def test_full_order_lifecycle() -> None:
    conn = ENV.open()
    order = ENV.call(conn, "create_order", {"customer_id": 25, "product_ids": [3, 11], "quantities": [1, 2],
                                         "warehouse_code": "CMH"})  # fmt: skip
    assert order["status"] == "pending" and order["total_cents"] == 24900 + 2 * 1299
    ENV.call(conn, "pay_order", {"order_id": order["id"], "method": "paypal"})
    ENV.call(conn, "ship_order", {"order_id": order["id"], "carrier": "UPS", "tracking_number": "1ZTEST0001"})
    ENV.call(conn, "mark_delivered", {"order_id": order["id"]})
    ret = ENV.call(
        conn, "request_return", {"order_id": order["id"], "product_id": 11, "quantity": 1, "reason": "x"}
    )
    done = ENV.call(conn, "approve_return", {"return_id": ret["id"], "restock": True})
    assert done["status"] == "refunded" and done["refund_cents"] == 1299
    review = ENV.call(conn, "add_review", {"customer_id": 25, "product_id": 3, "rating": 4, "title": "Warm"})
    assert review["created_at"] == "2024-06-15"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_search_tools_filter_and_page() -> None:
    conn = ENV.open()
    outdoor = ENV.call(conn, "search_products", {"category": "outdoor", "limit": 200})
    assert outdoor and all(p["category"] == "Outdoor" and p["active"] == 1 for p in outdoor)
    page1 = ENV.call(conn, "search_orders", {"status": "delivered", "limit": 5})
    page2 = ENV.call(conn, "search_orders", {"status": "delivered", "limit": 5, "offset": 5})
    assert len(page1) == 5 and not {o["id"] for o in page1} & {o["id"] for o in page2}
    with pytest.raises(ValueError, match="limit"):
        ENV.call(conn, "search_orders", {"limit": 0})
    with pytest.raises(ValueError, match="unknown category"):
        ENV.call(conn, "search_products", {"category": "Garden"})
