"""Verifiers for the shop_orders tasks.

Each verifier recomputes what should have happened from the `initial` database (names, not hard-coded ids, where
the task names things), then diffs every table between `initial` and `final`: the intended rows must have changed
exactly as expected and nothing else may have changed.
"""

import re
import sqlite3

_KEYS = {"inventory": ("warehouse_id", "product_id"), "settings": ("key",)}


def _tables(conn: sqlite3.Connection) -> list:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(r[0] for r in rows.fetchall())


def _keyed(conn: sqlite3.Connection, table: str) -> dict:
    key = _KEYS.get(table, ("id",))
    out = {}
    for row in conn.execute(f"SELECT * FROM {table}").fetchall():
        d = dict(row)
        out[tuple(d[k] for k in key)] = d
    return out


def _diff(initial: sqlite3.Connection, final: sqlite3.Connection) -> dict:
    """Per table: rows added, removed and changed ({key: (before, after)}); tables without changes are omitted."""
    result = {}
    for table in _tables(initial):
        before, after = _keyed(initial, table), _keyed(final, table)
        added = [after[k] for k in sorted(after.keys() - before.keys())]
        removed = [before[k] for k in sorted(before.keys() - after.keys())]
        changed = {
            k: (before[k], after[k]) for k in sorted(before.keys() & after.keys()) if before[k] != after[k]
        }
        if added or removed or changed:
            result[table] = {"added": added, "removed": removed, "changed": changed}
    return result


def _result(problems: list, evidence: dict, ok_message: str) -> dict:
    if problems:
        return {"status": "fail", "score": 0.0, "evidence": evidence, "message": problems[0]}
    return {"status": "pass", "score": 1.0, "evidence": evidence, "message": ok_message}


def _only_tables(diff: dict, allowed: set, problems: list) -> None:
    extra = sorted(set(diff) - allowed)
    if extra:
        problems.append(f"unexpected changes in table(s): {', '.join(extra)}")


def _changed_fields(before: dict, after: dict) -> set:
    return {k for k in before if before[k] != after[k]}


def _customer_id(conn: sqlite3.Connection, first: str, last: str) -> int:
    row = conn.execute(
        "SELECT id FROM customers WHERE first_name = ? AND last_name = ?", (first, last)
    ).fetchone()
    return row["id"]


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def _mentions(text: str, sku: str, name: str) -> bool:
    """Whether a normalised answer names a product by SKU, full name, or name without a trailing size."""
    core = re.sub(r"\s*\(.*?\)", "", name)
    core = re.sub(r"(\s+\S*\d\S*)+$", "", core)
    padded = f" {text} "
    return any(f" {_norm(x)} " in padded for x in (sku, name, core) if _norm(x))


def _restock_expected(conn: sqlite3.Connection, order_ids: list) -> dict:
    expected: dict = {}
    for order_id in order_ids:
        rows = conn.execute(
            "SELECT o.warehouse_id, oi.product_id, oi.quantity FROM orders o "
            "JOIN order_items oi ON oi.order_id = o.id WHERE o.id = ?",
            (order_id,),
        ).fetchall()
        for r in rows:
            key = (r["warehouse_id"], r["product_id"])
            expected[key] = expected.get(key, 0) + r["quantity"]
    return expected


def _check_restock(diff: dict, expected: dict, problems: list, evidence: dict) -> None:
    inv = diff.get("inventory", {"added": [], "removed": [], "changed": {}})
    deltas = {k: after["quantity"] - before["quantity"] for k, (before, after) in inv["changed"].items()}
    for row in inv["added"]:
        deltas[(row["warehouse_id"], row["product_id"])] = row["quantity"]
    evidence["inventory_deltas"] = {f"{k[0]}:{k[1]}": v for k, v in sorted(deltas.items())}
    if inv["removed"] or deltas != expected:
        problems.append(f"inventory should change by {expected} (warehouse, product) but changed by {deltas}")


def _check_unchanged(initial: sqlite3.Connection, final: sqlite3.Connection, problems: list) -> dict:
    diff = _diff(initial, final)
    if diff:
        problems.append(
            f"an information request must not change data, but changed: {', '.join(sorted(diff))}"
        )
    return diff


# ---------------------------------------------------------------- mutation tasks


def verify_cancel_unshipped_order(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    cid = _customer_id(initial, "Marcus", "Delgado")
    targets = [
        r["id"]
        for r in initial.execute(
            "SELECT id FROM orders WHERE customer_id = ? AND status IN ('pending', 'paid')", (cid,)
        ).fetchall()
    ]
    diff = _diff(initial, final)
    evidence: dict = {"target_orders": targets, "changed_tables": sorted(diff)}
    _only_tables(diff, {"orders", "inventory", "payments"}, problems)
    orders = diff.get("orders", {"added": [], "removed": [], "changed": {}})
    changed_ids = sorted(k[0] for k in orders["changed"])
    evidence["changed_orders"] = changed_ids
    if orders["added"] or orders["removed"] or changed_ids != targets:
        problems.append(f"exactly order(s) {targets} should change, changed: {changed_ids}")
    for before, after in orders["changed"].values():
        if after["status"] != "cancelled" or not _changed_fields(before, after) <= {
            "status",
            "cancel_reason",
        }:
            problems.append(f"order {before['id']} should only become cancelled, got {after['status']}")
    _check_restock(diff, _restock_expected(initial, targets), problems, evidence)
    pays = diff.get("payments", {"added": [], "removed": [], "changed": {}})
    expected_refunds = []
    for order_id in targets:
        paid = initial.execute(
            "SELECT COALESCE(SUM(CASE kind WHEN 'charge' THEN amount_cents ELSE -amount_cents END), 0) "
            "FROM payments WHERE order_id = ?",
            (order_id,),
        ).fetchone()[0]
        if paid:
            expected_refunds.append((order_id, "refund", paid))
    got = sorted((p["order_id"], p["kind"], p["amount_cents"]) for p in pays["added"])
    evidence["refunds"] = got
    if pays["removed"] or pays["changed"] or got != sorted(expected_refunds):
        problems.append(f"expected refund(s) {expected_refunds}, got {got}")
    return _result(
        problems, evidence, "Marcus Delgado's unshipped order is cancelled, restocked and refunded"
    )


def verify_apply_coupon_and_pay(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    cid = _customer_id(initial, "Priya", "Raman")
    order = dict(
        initial.execute(
            "SELECT * FROM orders WHERE customer_id = ? AND status = 'pending'", (cid,)
        ).fetchone()
    )
    coupon = dict(initial.execute("SELECT * FROM coupons WHERE code = 'HOME20'").fetchone())
    eligible = initial.execute(
        "SELECT COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0) FROM order_items oi "
        "JOIN products p ON p.id = oi.product_id WHERE oi.order_id = ? AND p.category_id = ?",
        (order["id"], coupon["category_id"]),
    ).fetchone()[0]
    discount = (2 * eligible * coupon["value"] + 100) // 200
    total = order["subtotal_cents"] - discount + order["shipping_cents"]
    diff = _diff(initial, final)
    evidence: dict = {"order_id": order["id"], "expected_discount": discount, "expected_total": total}
    _only_tables(diff, {"orders", "coupons", "payments"}, problems)
    after = dict(final.execute("SELECT * FROM orders WHERE id = ?", (order["id"],)).fetchone())
    evidence["final_order"] = {k: after[k] for k in ("status", "coupon_id", "discount_cents", "total_cents")}
    if (
        after["coupon_id"] != coupon["id"]
        or after["discount_cents"] != discount
        or after["total_cents"] != total
    ):
        problems.append(f"order {order['id']} should carry HOME20 with discount {discount} and total {total}")
    if after["status"] != "paid":
        problems.append(f"order {order['id']} should be paid, is {after['status']}")
    orders = diff.get("orders", {"added": [], "removed": [], "changed": {}})
    if set(orders["changed"]) - {(order["id"],)} or orders["added"] or orders["removed"]:
        problems.append("orders other than Priya's pending order changed")
    cps = diff.get("coupons", {"added": [], "removed": [], "changed": {}})
    uses = {k[0]: a["times_used"] - b["times_used"] for k, (b, a) in cps["changed"].items()}
    evidence["coupon_use_deltas"] = uses
    if uses != {coupon["id"]: 1} or cps["added"] or cps["removed"]:
        problems.append(f"HOME20 should be used exactly once more, coupon changes: {uses}")
    pays = diff.get("payments", {"added": [], "removed": [], "changed": {}})
    got = [(p["order_id"], p["kind"], p["amount_cents"], p["method"]) for p in pays["added"]]
    evidence["payments_added"] = got
    if got != [(order["id"], "charge", total, "card")] or pays["changed"] or pays["removed"]:
        problems.append(f"expected one card charge of {total} on order {order['id']}, got {got}")
    return _result(problems, evidence, "HOME20 applied and the discounted total charged to the card")


def verify_return_damaged_mugs(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    cid = _customer_id(initial, "Olivia", "Bennett")
    row = initial.execute(
        "SELECT o.id AS order_id, o.subtotal_cents, o.discount_cents, oi.id AS item_id, oi.unit_price_cents "
        "FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id "
        "WHERE o.customer_id = ? AND p.sku = 'HK-MUG14' AND o.status = 'delivered'",
        (cid,),
    ).fetchone()
    line = 2 * row["unit_price_cents"]
    refund = line - (2 * row["discount_cents"] * line + row["subtotal_cents"]) // (2 * row["subtotal_cents"])
    diff = _diff(initial, final)
    evidence: dict = {
        "order_id": row["order_id"],
        "expected_refund_cents": refund,
        "changed_tables": sorted(diff),
    }
    _only_tables(diff, {"returns", "payments"}, problems)
    rets = diff.get("returns", {"added": [], "removed": [], "changed": {}})
    if len(rets["added"]) != 1 or rets["changed"] or rets["removed"]:
        problems.append(
            f"expected exactly one new return, got {len(rets['added'])} new / {len(rets['changed'])} changed"
        )
    else:
        r = rets["added"][0]
        evidence["return"] = {
            k: r[k] for k in ("order_id", "order_item_id", "quantity", "status", "restocked")
        }
        if (r["order_id"], r["order_item_id"], r["quantity"]) != (row["order_id"], row["item_id"], 2):
            problems.append("the return should cover 2 mugs of Olivia's delivered order")
        if r["status"] != "refunded" or r["restocked"] != 0:
            problems.append(
                f"the return should be refunded without restock, is {r['status']}/restocked={r['restocked']}"
            )
        if r["refund_cents"] is None or abs(r["refund_cents"] - refund) > 1:
            problems.append(f"refund should be {refund} cents, return records {r['refund_cents']}")
    pays = diff.get("payments", {"added": [], "removed": [], "changed": {}})
    got = [(p["order_id"], p["kind"], p["amount_cents"]) for p in pays["added"]]
    evidence["payments_added"] = got
    if len(got) != 1 or got[0][:2] != (row["order_id"], "refund") or abs(got[0][2] - refund) > 1:
        problems.append(f"expected one refund of ~{refund} cents on order {row['order_id']}, got {got}")
    return _result(problems, evidence, "2 damaged mugs refunded and kept out of stock")


def verify_transfer_backpacks(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    pid = initial.execute("SELECT id FROM products WHERE sku = 'OUT-BP45'").fetchone()["id"]
    wh = {r["code"]: r["id"] for r in initial.execute("SELECT id, code FROM warehouses").fetchall()}
    diff = _diff(initial, final)
    evidence: dict = {"changed_tables": sorted(diff)}
    _only_tables(diff, {"inventory"}, problems)
    _check_restock(diff, {(wh["CMH"], pid): -15, (wh["RNO"], pid): 15}, problems, evidence)
    return _result(problems, evidence, "15 backpacks moved from Columbus to Reno")


def verify_change_address_before_shipping(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    cid = _customer_id(initial, "Hannah", "Kim")
    order_ids = [
        r["id"]
        for r in initial.execute(
            "SELECT id FROM orders WHERE customer_id = ? AND status IN ('pending', 'paid')", (cid,)
        ).fetchall()
    ]
    diff = _diff(initial, final)
    evidence: dict = {"changed_tables": sorted(diff), "open_orders": order_ids}
    _only_tables(diff, {"addresses", "orders"}, problems)
    addrs = diff.get("addresses", {"added": [], "removed": [], "changed": {}})
    new = [a for a in addrs["added"] if a["customer_id"] == cid]
    if len(addrs["added"]) != 1 or len(new) != 1 or addrs["removed"]:
        problems.append(f"expected one new address for Hannah Kim, got {len(addrs['added'])}")
        return _result(problems, evidence, "")
    a = new[0]
    evidence["new_address"] = a
    line = _norm(a["line1"])
    if not (line.startswith("88 birch") and re.search(r"\b3\b", line)):
        problems.append(f"new street line should be 88 Birch Lane, Apt 3; got {a['line1']!r}")
    if (_norm(a["city"]), a["state"].upper(), a["postal_code"].strip()) != ("portland", "OR", "97205"):
        problems.append(
            f"new address should be in Portland, OR 97205; got {a['city']}, {a['state']} {a['postal_code']}"
        )
    if a["is_default"] != 1:
        problems.append("the new address should be Hannah's default")
    for before, after in addrs["changed"].values():
        if (
            before["customer_id"] != cid
            or _changed_fields(before, after) != {"is_default"}
            or after["is_default"]
        ):
            problems.append(f"address {before['id']} changed unexpectedly")
    still_default = final.execute(
        "SELECT COUNT(*) FROM addresses WHERE customer_id = ? AND is_default = 1", (cid,)
    ).fetchone()[0]
    if still_default != 1:
        problems.append(f"Hannah should have exactly one default address, has {still_default}")
    orders = diff.get("orders", {"added": [], "removed": [], "changed": {}})
    evidence["changed_orders"] = sorted(k[0] for k in orders["changed"])
    if sorted(k[0] for k in orders["changed"]) != sorted(order_ids) or orders["added"] or orders["removed"]:
        problems.append(f"the address of order(s) {order_ids} (and nothing else) should change")
    for before, after in orders["changed"].values():
        if _changed_fields(before, after) != {"address_id"} or after["address_id"] != a["id"]:
            problems.append(f"order {before['id']} should ship to the new address {a['id']}")
    return _result(problems, evidence, "new default address added and the open order redirected")


def verify_goodwill_shipping_refund(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    cid = _customer_id(initial, "Noah", "Patel")
    last = initial.execute(
        "SELECT * FROM orders WHERE customer_id = ? AND status = 'delivered' ORDER BY placed_at DESC, id DESC LIMIT 1",
        (cid,),
    ).fetchone()
    diff = _diff(initial, final)
    evidence: dict = {
        "order_id": last["id"],
        "shipping_cents": last["shipping_cents"],
        "changed_tables": sorted(diff),
    }
    _only_tables(diff, {"payments"}, problems)
    pays = diff.get("payments", {"added": [], "removed": [], "changed": {}})
    got = [(p["order_id"], p["kind"], p["amount_cents"]) for p in pays["added"]]
    evidence["payments_added"] = got
    if got != [(last["id"], "refund", last["shipping_cents"])] or pays["changed"] or pays["removed"]:
        problems.append(
            f"expected one refund of {last['shipping_cents']} cents on order {last['id']}, got {got}"
        )
    return _result(problems, evidence, "shipping fee refunded on Noah Patel's last order")


def verify_suspend_fraud_account(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    cid = initial.execute("SELECT id FROM customers WHERE email = 'jake.morrow88@example.net'").fetchone()[
        "id"
    ]
    open_orders = [
        r["id"]
        for r in initial.execute(
            "SELECT id FROM orders WHERE customer_id = ? AND status IN ('pending', 'paid') ORDER BY id",
            (cid,),
        ).fetchall()
    ]
    diff = _diff(initial, final)
    evidence: dict = {"customer_id": cid, "open_orders": open_orders, "changed_tables": sorted(diff)}
    _only_tables(diff, {"customers", "orders", "inventory", "payments"}, problems)
    custs = diff.get("customers", {"added": [], "removed": [], "changed": {}})
    if list(custs["changed"]) != [(cid,)] or custs["added"] or custs["removed"]:
        problems.append("exactly the flagged customer's account should change")
    else:
        before, after = custs["changed"][(cid,)]
        if _changed_fields(before, after) != {"status"} or after["status"] != "suspended":
            problems.append(f"the account should be suspended, is {after['status']}")
    orders = diff.get("orders", {"added": [], "removed": [], "changed": {}})
    changed = sorted(k[0] for k in orders["changed"])
    evidence["changed_orders"] = changed
    if changed != open_orders or orders["added"] or orders["removed"]:
        problems.append(f"exactly the unshipped orders {open_orders} should change, changed: {changed}")
    for before, after in orders["changed"].values():
        if after["status"] != "cancelled" or not _changed_fields(before, after) <= {
            "status",
            "cancel_reason",
        }:
            problems.append(f"order {before['id']} should be cancelled")
    _check_restock(diff, _restock_expected(initial, open_orders), problems, evidence)
    expected = []
    for order_id in open_orders:
        paid = initial.execute(
            "SELECT COALESCE(SUM(CASE kind WHEN 'charge' THEN amount_cents ELSE -amount_cents END), 0) "
            "FROM payments WHERE order_id = ?",
            (order_id,),
        ).fetchone()[0]
        if paid:
            expected.append((order_id, "refund", paid))
    pays = diff.get("payments", {"added": [], "removed": [], "changed": {}})
    got = sorted((p["order_id"], p["kind"], p["amount_cents"]) for p in pays["added"])
    evidence["refunds"] = got
    if got != expected or pays["changed"] or pays["removed"]:
        problems.append(f"expected refunds {expected}, got {got}")
    return _result(problems, evidence, "account suspended and its unshipped orders cancelled")


# ---------------------------------------------------------------- information tasks


def verify_top_outdoor_product_may(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    rows = initial.execute(
        "SELECT p.sku, p.name, SUM(oi.quantity) AS units FROM orders o JOIN order_items oi ON oi.order_id = o.id "
        "JOIN products p ON p.id = oi.product_id JOIN categories c ON c.id = p.category_id "
        "WHERE c.name = 'Outdoor' AND o.status != 'cancelled' AND o.placed_at BETWEEN '2024-05-01' AND '2024-05-31' "
        "GROUP BY p.id ORDER BY units DESC"
    ).fetchall()
    best = rows[0]
    text = _norm(answer)
    outdoor = initial.execute(
        "SELECT p.sku, p.name FROM products p JOIN categories c ON c.id = p.category_id WHERE c.name = 'Outdoor'"
    ).fetchall()
    named = sorted(p["sku"] for p in outdoor if _mentions(text, p["sku"], p["name"]))
    evidence: dict = {
        "expected": best["name"],
        "units": best["units"],
        "answer": answer,
        "products_named": named,
    }
    if rows[1]["units"] == best["units"]:
        problems.append("task data is ambiguous: tie for the best seller")
    if named != [best["sku"]]:
        problems.append(f"answer should name exactly {best['name']!r}, named {named}")
    _check_unchanged(initial, final, problems)
    return _result(problems, evidence, f"correct: {best['name']}")


def verify_reno_out_of_stock(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    expected = sorted(
        r["sku"]
        for r in initial.execute(
            "SELECT p.sku FROM products p JOIN warehouses w ON w.code = 'RNO' LEFT JOIN inventory i "
            "ON i.product_id = p.id AND i.warehouse_id = w.id WHERE p.active = 1 AND COALESCE(i.quantity, 0) = 0"
        ).fetchall()
    )
    text = _norm(answer)
    named = sorted(
        r["sku"]
        for r in initial.execute("SELECT sku, name FROM products").fetchall()
        if _mentions(text, r["sku"], r["name"])
    )
    evidence: dict = {"expected": expected, "named": named, "answer": answer}
    if named != expected:
        problems.append(f"answer should list exactly {expected}, listed {named}")
    _check_unchanged(initial, final, problems)
    return _result(problems, evidence, "correct list of active products out of stock in Reno")


def verify_refunds_total_may(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    problems: list = []
    cents = initial.execute(
        "SELECT COALESCE(SUM(amount_cents), 0) FROM payments WHERE kind = 'refund' "
        "AND created_at BETWEEN '2024-05-01' AND '2024-05-31'"
    ).fetchone()[0]
    text = answer or ""
    numbers = [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]
    money = re.findall(r"\$\s*(\d[\d,]*(?:\.\d+)?)|(?<![\d.])(\d[\d,]*\.\d\d)\b", text)
    amounts = [float(x.replace(",", "")) for pair in money for x in pair if x]
    evidence: dict = {"expected_cents": cents, "numbers_in_answer": numbers, "answer": answer}
    if not any(abs(n - cents / 100) < 0.005 or n == cents for n in numbers):
        problems.append(f"answer should state ${cents / 100:,.2f}")
    elif any(abs(n - cents / 100) >= 0.005 for n in amounts):
        problems.append(f"answer states other dollar amounts besides ${cents / 100:,.2f}")
    _check_unchanged(initial, final, problems)
    return _result(problems, evidence, f"correct: ${cents / 100:,.2f}")
