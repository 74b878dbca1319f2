"""Tools for the shop_orders environment: an online store's back office.

Every public function is a tool; `conn` is supplied by the runtime (one transaction per call). Business rules are
enforced here and violations raise ValueError with a message the agent can act on. Money is integer cents.
"""

import datetime
import sqlite3
from typing import Literal

ORDER_STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")
TIER_RANK = {"bronze": 1, "silver": 2, "gold": 3}


# ---------------------------------------------------------------- internal helpers (not tools)


def _rows(conn: sqlite3.Connection, sql: str, args: tuple = ()) -> list:
    return [dict(r) for r in conn.execute(sql, args).fetchall()]


def _one(conn: sqlite3.Connection, sql: str, args: tuple = ()) -> dict | None:
    row = conn.execute(sql, args).fetchone()
    return dict(row) if row is not None else None


def _setting(conn: sqlite3.Connection, key: str) -> str:
    row = _one(conn, "SELECT value FROM settings WHERE key = ?", (key,))
    if row is None:
        raise ValueError(f"store setting {key!r} is missing")
    return row["value"]


def _today(conn: sqlite3.Connection) -> str:
    return _setting(conn, "today")


def _days_between(start: str, end: str) -> int:
    return (datetime.date.fromisoformat(end[:10]) - datetime.date.fromisoformat(start[:10])).days


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def _limit(limit: int, offset: int) -> tuple:
    if limit < 1 or limit > 200:
        raise ValueError("limit must be between 1 and 200")
    if offset < 0:
        raise ValueError("offset must be >= 0")
    return (limit, offset)


def _customer(conn: sqlite3.Connection, customer_id: int) -> dict:
    row = _one(conn, "SELECT * FROM customers WHERE id = ?", (customer_id,))
    if row is None:
        raise ValueError(f"customer {customer_id} does not exist; use find_customers to look it up")
    return row


def _product(conn: sqlite3.Connection, product_id: int) -> dict:
    row = _one(conn, "SELECT * FROM products WHERE id = ?", (product_id,))
    if row is None:
        raise ValueError(f"product {product_id} does not exist; use search_products to look it up")
    return row


def _order(conn: sqlite3.Connection, order_id: int) -> dict:
    row = _one(conn, "SELECT * FROM orders WHERE id = ?", (order_id,))
    if row is None:
        raise ValueError(f"order {order_id} does not exist; use search_orders to look it up")
    return row


def _warehouse(conn: sqlite3.Connection, code: str) -> dict:
    row = _one(conn, "SELECT * FROM warehouses WHERE code = ?", (code.strip().upper(),))
    if row is None:
        codes = [r["code"] for r in _rows(conn, "SELECT code FROM warehouses ORDER BY code")]
        raise ValueError(f"unknown warehouse code {code!r}; valid codes: {', '.join(codes)}")
    return row


def _category_id(conn: sqlite3.Connection, name: str) -> int:
    row = _one(conn, "SELECT id FROM categories WHERE lower(name) = lower(?)", (name.strip(),))
    if row is None:
        names = [r["name"] for r in _rows(conn, "SELECT name FROM categories ORDER BY name")]
        raise ValueError(f"unknown category {name!r}; valid categories: {', '.join(names)}")
    return row["id"]


def _stock(conn: sqlite3.Connection, warehouse_id: int, product_id: int) -> int:
    row = _one(
        conn,
        "SELECT quantity FROM inventory WHERE warehouse_id = ? AND product_id = ?",
        (warehouse_id, product_id),
    )
    return row["quantity"] if row is not None else 0


def _change_stock(conn: sqlite3.Connection, warehouse_id: int, product_id: int, delta: int) -> int:
    new = _stock(conn, warehouse_id, product_id) + delta
    if new < 0:
        raise ValueError(
            f"not enough stock of product {product_id} in warehouse {warehouse_id}: "
            f"{new - delta} available, {-delta} needed"
        )
    conn.execute(
        "INSERT INTO inventory (warehouse_id, product_id, quantity) VALUES (?, ?, ?) "
        "ON CONFLICT (warehouse_id, product_id) DO UPDATE SET quantity = excluded.quantity",
        (warehouse_id, product_id, new),
    )
    return new


def _net_paid(conn: sqlite3.Connection, order_id: int) -> int:
    row = _one(
        conn,
        "SELECT COALESCE(SUM(CASE kind WHEN 'charge' THEN amount_cents ELSE -amount_cents END), 0) AS net "
        "FROM payments WHERE order_id = ?",
        (order_id,),
    )
    return row["net"]


def _charge_method(conn: sqlite3.Connection, order_id: int) -> str:
    row = _one(
        conn,
        "SELECT method FROM payments WHERE order_id = ? AND kind = 'charge' ORDER BY id LIMIT 1",
        (order_id,),
    )
    if row is None:
        raise ValueError(f"order {order_id} has no captured payment to refund")
    return row["method"]


def _coupon_discount(conn: sqlite3.Connection, order_id: int, coupon: dict) -> int:
    """Discount for `coupon` on the order's current items (category coupons only count matching items)."""
    sql = (
        "SELECT COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0) AS s FROM order_items oi "
        "JOIN products p ON p.id = oi.product_id WHERE oi.order_id = ?"
    )
    args: tuple = (order_id,)
    if coupon["category_id"] is not None:
        sql += " AND p.category_id = ?"
        args = (order_id, coupon["category_id"])
    eligible = _one(conn, sql, args)["s"]
    if coupon["discount_type"] == "percent":
        return _half_up(eligible * coupon["value"], 100)
    return min(coupon["value"], eligible)


def _recompute_totals(conn: sqlite3.Connection, order_id: int) -> dict:
    """Recompute subtotal, discount, shipping and total; drop a coupon whose minimum is no longer met."""
    order = _order(conn, order_id)
    subtotal = _one(
        conn,
        "SELECT COALESCE(SUM(quantity * unit_price_cents), 0) AS s FROM order_items WHERE order_id = ?",
        (order_id,),
    )["s"]
    coupon_id = order["coupon_id"]
    discount = 0
    if coupon_id is not None:
        coupon = _one(conn, "SELECT * FROM coupons WHERE id = ?", (coupon_id,))
        if subtotal < coupon["min_subtotal_cents"]:
            conn.execute("UPDATE coupons SET times_used = MAX(times_used - 1, 0) WHERE id = ?", (coupon_id,))
            coupon_id = None
        else:
            discount = _coupon_discount(conn, order_id, coupon)
    threshold = int(_setting(conn, "free_shipping_threshold_cents"))
    shipping = 0 if subtotal >= threshold else int(_setting(conn, "flat_shipping_cents"))
    total = subtotal - discount + shipping
    conn.execute(
        "UPDATE orders SET subtotal_cents = ?, discount_cents = ?, shipping_cents = ?, total_cents = ?, "
        "coupon_id = ? WHERE id = ?",
        (subtotal, discount, shipping, total, coupon_id, order_id),
    )
    return _order(conn, order_id)


# ---------------------------------------------------------------- customers


def find_customers(
    conn: sqlite3.Connection,
    name: str | None = None,
    email: str | None = None,
    city: str | None = None,
    status: Literal["active", "suspended", "closed"] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list:
    """Search customers by (partial) name, email, city of any address, or account status.

    Args:
        name: Case-insensitive substring of "first last".
        email: Case-insensitive substring of the email address.
        city: City of any of the customer's addresses (case-insensitive, exact).
        status: Account status filter.
        limit: Maximum rows to return (1-200).
        offset: Rows to skip, for paging.
    """
    sql = "SELECT DISTINCT c.* FROM customers c LEFT JOIN addresses a ON a.customer_id = c.id WHERE 1 = 1"
    args: list = []
    if name:
        sql += " AND lower(c.first_name || ' ' || c.last_name) LIKE ?"
        args.append("%" + name.strip().lower() + "%")
    if email:
        sql += " AND lower(c.email) LIKE ?"
        args.append("%" + email.strip().lower() + "%")
    if city:
        sql += " AND lower(a.city) = ?"
        args.append(city.strip().lower())
    if status:
        sql += " AND c.status = ?"
        args.append(status)
    sql += " ORDER BY c.last_name, c.first_name, c.id LIMIT ? OFFSET ?"
    return _rows(conn, sql, tuple(args) + _limit(limit, offset))


def get_customer(conn: sqlite3.Connection, customer_id: int) -> dict:
    """Get a customer's profile, addresses and order counts by status.

    Args:
        customer_id: The customer's id.
    """
    customer = _customer(conn, customer_id)
    customer["addresses"] = _rows(
        conn, "SELECT * FROM addresses WHERE customer_id = ? ORDER BY is_default DESC, id", (customer_id,)
    )
    counts = _rows(
        conn, "SELECT status, COUNT(*) AS n FROM orders WHERE customer_id = ? GROUP BY status", (customer_id,)
    )
    customer["orders_by_status"] = {r["status"]: r["n"] for r in counts}
    return customer


def create_customer(
    conn: sqlite3.Connection, first_name: str, last_name: str, email: str, phone: str | None = None
) -> dict:
    """Create a new customer account (bronze tier, active).

    Args:
        first_name: Given name.
        last_name: Family name.
        email: Unique email address.
        phone: Optional phone number.
    """
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not a valid email address")
    if _one(conn, "SELECT id FROM customers WHERE lower(email) = ?", (email,)):
        raise ValueError(f"a customer with email {email} already exists")
    cur = conn.execute(
        "INSERT INTO customers (first_name, last_name, email, phone, loyalty_tier, status, created_at) "
        "VALUES (?, ?, ?, ?, 'bronze', 'active', ?)",
        (first_name.strip(), last_name.strip(), email, phone, _today(conn)),
    )
    return _customer(conn, cur.lastrowid)


def update_customer(
    conn: sqlite3.Connection,
    customer_id: int,
    email: str | None = None,
    phone: str | None = None,
    status: Literal["active", "suspended", "closed"] | None = None,
    loyalty_tier: Literal["bronze", "silver", "gold"] | None = None,
) -> dict:
    """Update a customer's contact details, account status or loyalty tier. Only given fields change.

    Args:
        customer_id: The customer's id.
        email: New unique email address.
        phone: New phone number.
        status: New account status; suspended or closed customers cannot place or pay for orders.
        loyalty_tier: New loyalty tier.
    """
    _customer(conn, customer_id)
    if email is not None:
        email = email.strip().lower()
        if "@" not in email:
            raise ValueError(f"{email!r} is not a valid email address")
        clash = _one(
            conn, "SELECT id FROM customers WHERE lower(email) = ? AND id != ?", (email, customer_id)
        )
        if clash:
            raise ValueError(f"email {email} already belongs to customer {clash['id']}")
        conn.execute("UPDATE customers SET email = ? WHERE id = ?", (email, customer_id))
    if phone is not None:
        conn.execute("UPDATE customers SET phone = ? WHERE id = ?", (phone, customer_id))
    if status is not None:
        conn.execute("UPDATE customers SET status = ? WHERE id = ?", (status, customer_id))
    if loyalty_tier is not None:
        conn.execute("UPDATE customers SET loyalty_tier = ? WHERE id = ?", (loyalty_tier, customer_id))
    return _customer(conn, customer_id)


def add_address(
    conn: sqlite3.Connection,
    customer_id: int,
    line1: str,
    city: str,
    state: str,
    postal_code: str,
    country: str = "US",
    label: str = "home",
    make_default: bool = False,
) -> dict:
    """Add an address to a customer's address book, optionally making it the default.

    Args:
        customer_id: The customer's id.
        line1: Street address, including apartment/unit.
        city: City.
        state: Two-letter state code, e.g. "OR".
        postal_code: ZIP code.
        country: Two-letter country code.
        label: A short label such as "home" or "work".
        make_default: Make this the default shipping address (the previous default is unset).
    """
    _customer(conn, customer_id)
    state = state.strip().upper()
    if len(state) != 2:
        raise ValueError(f"state must be a two-letter code, got {state!r}")
    if make_default:
        conn.execute("UPDATE addresses SET is_default = 0 WHERE customer_id = ?", (customer_id,))
    cur = conn.execute(
        "INSERT INTO addresses (customer_id, label, line1, city, state, postal_code, country, is_default) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            customer_id,
            label,
            line1.strip(),
            city.strip(),
            state,
            postal_code.strip(),
            country.upper(),
            int(make_default),
        ),
    )
    return _one(conn, "SELECT * FROM addresses WHERE id = ?", (cur.lastrowid,))


def set_default_address(conn: sqlite3.Connection, customer_id: int, address_id: int) -> dict:
    """Make one of the customer's addresses the default shipping address.

    Args:
        customer_id: The customer's id.
        address_id: An address that belongs to this customer.
    """
    _customer(conn, customer_id)
    addr = _one(conn, "SELECT * FROM addresses WHERE id = ?", (address_id,))
    if addr is None or addr["customer_id"] != customer_id:
        raise ValueError(f"address {address_id} does not belong to customer {customer_id}")
    conn.execute(
        "UPDATE addresses SET is_default = (id = ?) WHERE customer_id = ?", (address_id, customer_id)
    )
    return _one(conn, "SELECT * FROM addresses WHERE id = ?", (address_id,))


def delete_address(conn: sqlite3.Connection, address_id: int) -> str:
    """Delete an address that is neither the default nor used by any order.

    Args:
        address_id: The address id.
    """
    addr = _one(conn, "SELECT * FROM addresses WHERE id = ?", (address_id,))
    if addr is None:
        raise ValueError(f"address {address_id} does not exist")
    if addr["is_default"]:
        raise ValueError(f"address {address_id} is the default address; set another default first")
    used = _one(conn, "SELECT COUNT(*) AS n FROM orders WHERE address_id = ?", (address_id,))["n"]
    if used:
        raise ValueError(f"address {address_id} is used by {used} order(s) and cannot be deleted")
    conn.execute("DELETE FROM addresses WHERE id = ?", (address_id,))
    return f"address {address_id} deleted"


# ---------------------------------------------------------------- catalog


def list_categories(conn: sqlite3.Connection) -> list:
    """List product categories with the number of active products in each."""
    return _rows(
        conn,
        "SELECT c.id, c.name, c.description, COUNT(p.id) AS active_products FROM categories c "
        "LEFT JOIN products p ON p.category_id = c.id AND p.active = 1 GROUP BY c.id ORDER BY c.name",
    )


def search_products(
    conn: sqlite3.Connection,
    query: str | None = None,
    category: str | None = None,
    min_price_cents: int | None = None,
    max_price_cents: int | None = None,
    include_inactive: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> list:
    """Search the catalog by name/SKU text, category and price range.

    Args:
        query: Case-insensitive substring of the product name or SKU.
        category: Category name, e.g. "Outdoor".
        min_price_cents: Minimum unit price in cents (inclusive).
        max_price_cents: Maximum unit price in cents (inclusive).
        include_inactive: Also return discontinued products.
        limit: Maximum rows to return (1-200).
        offset: Rows to skip, for paging.
    """
    sql = (
        "SELECT p.*, c.name AS category FROM products p JOIN categories c ON c.id = p.category_id WHERE 1 = 1"
    )
    args: list = []
    if query:
        sql += " AND (lower(p.name) LIKE ? OR lower(p.sku) LIKE ?)"
        args += ["%" + query.strip().lower() + "%"] * 2
    if category:
        sql += " AND p.category_id = ?"
        args.append(_category_id(conn, category))
    if min_price_cents is not None:
        sql += " AND p.price_cents >= ?"
        args.append(min_price_cents)
    if max_price_cents is not None:
        sql += " AND p.price_cents <= ?"
        args.append(max_price_cents)
    if not include_inactive:
        sql += " AND p.active = 1"
    sql += " ORDER BY p.name LIMIT ? OFFSET ?"
    return _rows(conn, sql, tuple(args) + _limit(limit, offset))


def get_product(conn: sqlite3.Connection, product_id: int | None = None, sku: str | None = None) -> dict:
    """Get one product by id or SKU, with stock per warehouse and its review summary.

    Args:
        product_id: The product id.
        sku: The product SKU (used when product_id is not given).
    """
    if product_id is None:
        if not sku:
            raise ValueError("give product_id or sku")
        row = _one(conn, "SELECT id FROM products WHERE upper(sku) = ?", (sku.strip().upper(),))
        if row is None:
            raise ValueError(f"no product with SKU {sku!r}")
        product_id = row["id"]
    product = _product(conn, product_id)
    product["category"] = _one(conn, "SELECT name FROM categories WHERE id = ?", (product["category_id"],))[
        "name"
    ]
    product["stock"] = _rows(
        conn,
        "SELECT w.code AS warehouse, COALESCE(i.quantity, 0) AS quantity FROM warehouses w "
        "LEFT JOIN inventory i ON i.warehouse_id = w.id AND i.product_id = ? ORDER BY w.code",
        (product_id,),
    )
    summary = _one(
        conn,
        "SELECT COUNT(*) AS reviews, AVG(rating) AS avg_rating FROM reviews WHERE product_id = ?",
        (product_id,),
    )
    summary["avg_rating"] = round(summary["avg_rating"], 2) if summary["avg_rating"] is not None else None
    product.update(summary)
    return product


def create_product(conn: sqlite3.Connection, sku: str, name: str, category: str, price_cents: int) -> dict:
    """Add a new active product to the catalog (no stock until adjust_stock is used).

    Args:
        sku: Unique stock-keeping unit, e.g. "OUT-TNT3".
        name: Product name.
        category: Category name.
        price_cents: Unit price in cents (> 0).
    """
    sku = sku.strip().upper()
    if price_cents <= 0:
        raise ValueError("price_cents must be positive")
    if _one(conn, "SELECT id FROM products WHERE sku = ?", (sku,)):
        raise ValueError(f"SKU {sku} already exists")
    cur = conn.execute(
        "INSERT INTO products (sku, name, category_id, price_cents, active, created_at) VALUES (?, ?, ?, ?, 1, ?)",
        (sku, name.strip(), _category_id(conn, category), price_cents, _today(conn)),
    )
    return _product(conn, cur.lastrowid)


def update_product(
    conn: sqlite3.Connection,
    product_id: int,
    name: str | None = None,
    price_cents: int | None = None,
    active: bool | None = None,
) -> dict:
    """Rename, reprice or (de)activate a product. Existing orders keep the price they were placed at.

    Args:
        product_id: The product id.
        name: New product name.
        price_cents: New unit price in cents (> 0).
        active: False to discontinue the product, True to re-list it.
    """
    _product(conn, product_id)
    if name is not None:
        conn.execute("UPDATE products SET name = ? WHERE id = ?", (name.strip(), product_id))
    if price_cents is not None:
        if price_cents <= 0:
            raise ValueError("price_cents must be positive")
        conn.execute("UPDATE products SET price_cents = ? WHERE id = ?", (price_cents, product_id))
    if active is not None:
        conn.execute("UPDATE products SET active = ? WHERE id = ?", (int(active), product_id))
    return _product(conn, product_id)


# ---------------------------------------------------------------- inventory


def list_warehouses(conn: sqlite3.Connection) -> list:
    """List fulfillment warehouses with their total units on hand."""
    return _rows(
        conn,
        "SELECT w.*, COALESCE(SUM(i.quantity), 0) AS units_on_hand FROM warehouses w "
        "LEFT JOIN inventory i ON i.warehouse_id = w.id GROUP BY w.id ORDER BY w.code",
    )


def get_stock(conn: sqlite3.Connection, product_id: int, warehouse_code: str | None = None) -> list:
    """Units on hand of one product, per warehouse (or in one warehouse).

    Args:
        product_id: The product id.
        warehouse_code: Optional warehouse code such as "CMH"; all warehouses when omitted.
    """
    _product(conn, product_id)
    warehouses = (
        [_warehouse(conn, warehouse_code)] if warehouse_code else _rows(conn, "SELECT * FROM warehouses")
    )
    return [
        {"warehouse": w["code"], "product_id": product_id, "quantity": _stock(conn, w["id"], product_id)}
        for w in sorted(warehouses, key=lambda w: w["code"])
    ]


def adjust_stock(
    conn: sqlite3.Connection, product_id: int, warehouse_code: str, delta: int, reason: str
) -> dict:
    """Correct stock after a count, a delivery from a supplier, or damage (positive or negative delta).

    Args:
        product_id: The product id.
        warehouse_code: Warehouse code, e.g. "RNO".
        delta: Units to add (positive) or remove (negative); stock may not go below zero.
        reason: Why the stock changes, e.g. "cycle count" or "supplier delivery".
    """
    _product(conn, product_id)
    if delta == 0:
        raise ValueError("delta must not be zero")
    if not reason.strip():
        raise ValueError("give a reason for the adjustment")
    wh = _warehouse(conn, warehouse_code)
    new = _change_stock(conn, wh["id"], product_id, delta)
    return {"warehouse": wh["code"], "product_id": product_id, "quantity": new}


def transfer_stock(
    conn: sqlite3.Connection, product_id: int, from_warehouse_code: str, to_warehouse_code: str, quantity: int
) -> list:
    """Move units of a product from one warehouse to another.

    Args:
        product_id: The product id.
        from_warehouse_code: Source warehouse code; must have enough units.
        to_warehouse_code: Destination warehouse code.
        quantity: Units to move (> 0).
    """
    _product(conn, product_id)
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    src, dst = _warehouse(conn, from_warehouse_code), _warehouse(conn, to_warehouse_code)
    if src["id"] == dst["id"]:
        raise ValueError("source and destination warehouse are the same")
    _change_stock(conn, src["id"], product_id, -quantity)
    _change_stock(conn, dst["id"], product_id, quantity)
    return get_stock(conn, product_id)


def list_low_stock(conn: sqlite3.Connection, threshold: int, warehouse_code: str | None = None) -> list:
    """Products whose stock in a warehouse is below a threshold (includes discontinued ones; see `active`).

    Args:
        threshold: Report rows with quantity strictly below this number.
        warehouse_code: Optional warehouse code; all warehouses when omitted.
    """
    sql = (
        "SELECT w.code AS warehouse, p.id AS product_id, p.sku, p.name, p.active, i.quantity FROM inventory i "
        "JOIN warehouses w ON w.id = i.warehouse_id JOIN products p ON p.id = i.product_id WHERE i.quantity < ?"
    )
    args: list = [threshold]
    if warehouse_code:
        sql += " AND w.id = ?"
        args.append(_warehouse(conn, warehouse_code)["id"])
    return _rows(conn, sql + " ORDER BY i.quantity, w.code, p.sku", tuple(args))


# ---------------------------------------------------------------- orders


def search_orders(
    conn: sqlite3.Connection,
    customer_id: int | None = None,
    status: Literal["pending", "paid", "shipped", "delivered", "cancelled"] | None = None,
    placed_from: str | None = None,
    placed_to: str | None = None,
    product_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list:
    """Search orders, newest first, by customer, status, placement date range or contained product.

    Args:
        customer_id: Only this customer's orders.
        status: Order status filter.
        placed_from: Earliest placement date, YYYY-MM-DD (inclusive).
        placed_to: Latest placement date, YYYY-MM-DD (inclusive).
        product_id: Only orders containing this product.
        limit: Maximum rows to return (1-200).
        offset: Rows to skip, for paging.
    """
    sql = (
        "SELECT o.*, c.first_name || ' ' || c.last_name AS customer_name FROM orders o "
        "JOIN customers c ON c.id = o.customer_id WHERE 1 = 1"
    )
    args: list = []
    if customer_id is not None:
        sql += " AND o.customer_id = ?"
        args.append(customer_id)
    if status:
        sql += " AND o.status = ?"
        args.append(status)
    if placed_from:
        sql += " AND o.placed_at >= ?"
        args.append(placed_from)
    if placed_to:
        sql += " AND o.placed_at <= ?"
        args.append(placed_to)
    if product_id is not None:
        sql += " AND EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = o.id AND oi.product_id = ?)"
        args.append(product_id)
    sql += " ORDER BY o.placed_at DESC, o.id DESC LIMIT ? OFFSET ?"
    return _rows(conn, sql, tuple(args) + _limit(limit, offset))


def get_order(conn: sqlite3.Connection, order_id: int) -> dict:
    """Get an order with its items, shipping address, coupon, payments, shipment and returns.

    Args:
        order_id: The order number.
    """
    order = _order(conn, order_id)
    order["warehouse"] = _one(conn, "SELECT code FROM warehouses WHERE id = ?", (order["warehouse_id"],))[
        "code"
    ]
    order["items"] = _rows(
        conn,
        "SELECT oi.*, p.sku, p.name FROM order_items oi JOIN products p ON p.id = oi.product_id "
        "WHERE oi.order_id = ? ORDER BY oi.id",
        (order_id,),
    )
    order["address"] = _one(conn, "SELECT * FROM addresses WHERE id = ?", (order["address_id"],))
    coupon = _one(conn, "SELECT code FROM coupons WHERE id = ?", (order["coupon_id"],))
    order["coupon_code"] = coupon["code"] if coupon else None
    order["payments"] = _rows(conn, "SELECT * FROM payments WHERE order_id = ? ORDER BY id", (order_id,))
    order["net_paid_cents"] = _net_paid(conn, order_id)
    order["shipment"] = _one(conn, "SELECT * FROM shipments WHERE order_id = ?", (order_id,))
    order["returns"] = _rows(conn, "SELECT * FROM returns WHERE order_id = ? ORDER BY id", (order_id,))
    return order


def create_order(
    conn: sqlite3.Connection,
    customer_id: int,
    product_ids: list[int],
    quantities: list[int],
    warehouse_code: str,
    address_id: int | None = None,
) -> dict:
    """Place a new pending order; stock is reserved in the chosen warehouse immediately.

    Args:
        customer_id: The (active) customer placing the order.
        product_ids: Products to order (active, no duplicates).
        quantities: Quantity for each product, same length as product_ids.
        warehouse_code: Warehouse that fulfils the order.
        address_id: Shipping address of this customer; the default address when omitted.
    """
    customer = _customer(conn, customer_id)
    if customer["status"] != "active":
        raise ValueError(f"customer {customer_id} is {customer['status']} and cannot place orders")
    if not product_ids or len(product_ids) != len(quantities):
        raise ValueError("product_ids and quantities must be non-empty and of equal length")
    if len(set(product_ids)) != len(product_ids):
        raise ValueError("each product may appear only once; combine the quantities")
    if address_id is None:
        addr = _one(conn, "SELECT id FROM addresses WHERE customer_id = ? AND is_default = 1", (customer_id,))
        if addr is None:
            raise ValueError(f"customer {customer_id} has no default address; pass address_id")
        address_id = addr["id"]
    addr = _one(conn, "SELECT * FROM addresses WHERE id = ?", (address_id,))
    if addr is None or addr["customer_id"] != customer_id:
        raise ValueError(f"address {address_id} does not belong to customer {customer_id}")
    wh = _warehouse(conn, warehouse_code)
    cur = conn.execute(
        "INSERT INTO orders (customer_id, address_id, warehouse_id, status, placed_at, subtotal_cents, "
        "discount_cents, shipping_cents, total_cents) VALUES (?, ?, ?, 'pending', ?, 0, 0, 0, 0)",
        (customer_id, address_id, wh["id"], _today(conn)),
    )
    order_id = cur.lastrowid
    for product_id, quantity in zip(product_ids, quantities, strict=True):
        product = _product(conn, product_id)
        if not product["active"]:
            raise ValueError(f"product {product_id} ({product['name']}) is discontinued")
        if quantity <= 0:
            raise ValueError("quantities must be positive")
        _change_stock(conn, wh["id"], product_id, -quantity)
        conn.execute(
            "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (?, ?, ?, ?)",
            (order_id, product_id, quantity, product["price_cents"]),
        )
    _recompute_totals(conn, order_id)
    return get_order(conn, order_id)


def add_order_item(conn: sqlite3.Connection, order_id: int, product_id: int, quantity: int) -> dict:
    """Add units of a product to a pending (unpaid) order, reserving stock; totals are recomputed.

    Args:
        order_id: The order number; must be pending.
        product_id: An active product.
        quantity: Units to add (> 0); added to the existing line if the product is already in the order.
    """
    order = _order(conn, order_id)
    if order["status"] != "pending":
        raise ValueError(f"order {order_id} is {order['status']}; items can only change while it is pending")
    product = _product(conn, product_id)
    if not product["active"]:
        raise ValueError(f"product {product_id} ({product['name']}) is discontinued")
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    _change_stock(conn, order["warehouse_id"], product_id, -quantity)
    conn.execute(
        "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = quantity + excluded.quantity",
        (order_id, product_id, quantity, product["price_cents"]),
    )
    _recompute_totals(conn, order_id)
    return get_order(conn, order_id)


def remove_order_item(conn: sqlite3.Connection, order_id: int, product_id: int) -> dict:
    """Remove a product line from a pending order and release its stock; totals are recomputed.

    Args:
        order_id: The order number; must be pending.
        product_id: The product to remove.
    """
    order = _order(conn, order_id)
    if order["status"] != "pending":
        raise ValueError(f"order {order_id} is {order['status']}; items can only change while it is pending")
    item = _one(
        conn, "SELECT * FROM order_items WHERE order_id = ? AND product_id = ?", (order_id, product_id)
    )
    if item is None:
        raise ValueError(f"product {product_id} is not in order {order_id}")
    count = _one(conn, "SELECT COUNT(*) AS n FROM order_items WHERE order_id = ?", (order_id,))["n"]
    if count == 1:
        raise ValueError(
            f"product {product_id} is the only item of order {order_id}; cancel the order instead"
        )
    _change_stock(conn, order["warehouse_id"], product_id, item["quantity"])
    conn.execute("DELETE FROM order_items WHERE id = ?", (item["id"],))
    _recompute_totals(conn, order_id)
    return get_order(conn, order_id)


def change_order_address(conn: sqlite3.Connection, order_id: int, address_id: int) -> dict:
    """Change the shipping address of an order that has not shipped yet.

    Args:
        order_id: The order number; must be pending or paid.
        address_id: An address belonging to the order's customer (see get_customer / add_address).
    """
    order = _order(conn, order_id)
    if order["status"] not in ("pending", "paid"):
        raise ValueError(
            f"order {order_id} is {order['status']}; the address can only change before shipping"
        )
    addr = _one(conn, "SELECT * FROM addresses WHERE id = ?", (address_id,))
    if addr is None or addr["customer_id"] != order["customer_id"]:
        raise ValueError(f"address {address_id} does not belong to the customer of order {order_id}")
    conn.execute("UPDATE orders SET address_id = ? WHERE id = ?", (address_id, order_id))
    return get_order(conn, order_id)


def apply_coupon(conn: sqlite3.Connection, order_id: int, code: str) -> dict:
    """Apply a coupon code to a pending order after checking every eligibility rule.

    Rules: one coupon per order; the coupon must be active, within its validity dates (store's today), under its
    usage limit; the order subtotal must reach its minimum; the customer must have the minimum loyalty tier;
    first-order coupons need a customer with no other non-cancelled orders; category coupons need at least one
    item of that category and only discount those items.

    Args:
        order_id: The order number; must be pending (unpaid).
        code: Coupon code, case-insensitive.
    """
    order = _order(conn, order_id)
    if order["status"] != "pending":
        raise ValueError(f"order {order_id} is {order['status']}; coupons can only be applied before payment")
    if order["coupon_id"] is not None:
        raise ValueError(f"order {order_id} already has a coupon; remove it first")
    coupon = _one(conn, "SELECT * FROM coupons WHERE upper(code) = ?", (code.strip().upper(),))
    if coupon is None:
        raise ValueError(f"coupon {code!r} does not exist")
    today = _today(conn)
    if not coupon["active"]:
        raise ValueError(f"coupon {coupon['code']} is no longer active")
    if not (coupon["valid_from"] <= today <= coupon["valid_to"]):
        raise ValueError(
            f"coupon {coupon['code']} is valid {coupon['valid_from']}..{coupon['valid_to']} only"
        )
    if coupon["max_uses"] is not None and coupon["times_used"] >= coupon["max_uses"]:
        raise ValueError(f"coupon {coupon['code']} has reached its usage limit")
    if order["subtotal_cents"] < coupon["min_subtotal_cents"]:
        raise ValueError(
            f"coupon {coupon['code']} needs a subtotal of at least {coupon['min_subtotal_cents']} cents"
        )
    customer = _customer(conn, order["customer_id"])
    if coupon["min_tier"] and TIER_RANK[customer["loyalty_tier"]] < TIER_RANK[coupon["min_tier"]]:
        raise ValueError(f"coupon {coupon['code']} requires {coupon['min_tier']} loyalty tier")
    if coupon["first_order_only"]:
        others = _one(
            conn,
            "SELECT COUNT(*) AS n FROM orders WHERE customer_id = ? AND id != ? AND status != 'cancelled'",
            (order["customer_id"], order_id),
        )["n"]
        if others:
            raise ValueError(f"coupon {coupon['code']} is for a customer's first order only")
    discount = _coupon_discount(conn, order_id, coupon)
    if discount <= 0:
        raise ValueError(f"no item in order {order_id} is eligible for coupon {coupon['code']}")
    conn.execute("UPDATE orders SET coupon_id = ? WHERE id = ?", (coupon["id"], order_id))
    conn.execute("UPDATE coupons SET times_used = times_used + 1 WHERE id = ?", (coupon["id"],))
    _recompute_totals(conn, order_id)
    return get_order(conn, order_id)


def remove_coupon(conn: sqlite3.Connection, order_id: int) -> dict:
    """Remove the coupon from a pending order and release the coupon use.

    Args:
        order_id: The order number; must be pending.
    """
    order = _order(conn, order_id)
    if order["status"] != "pending":
        raise ValueError(f"order {order_id} is {order['status']}; coupons can only change before payment")
    if order["coupon_id"] is None:
        raise ValueError(f"order {order_id} has no coupon")
    conn.execute("UPDATE coupons SET times_used = MAX(times_used - 1, 0) WHERE id = ?", (order["coupon_id"],))
    conn.execute("UPDATE orders SET coupon_id = NULL WHERE id = ?", (order_id,))
    _recompute_totals(conn, order_id)
    return get_order(conn, order_id)


def pay_order(
    conn: sqlite3.Connection, order_id: int, method: Literal["card", "paypal", "gift_card"]
) -> dict:
    """Capture payment of the full order total; the order becomes paid and ready to ship.

    Args:
        order_id: The order number; must be pending.
        method: Payment method on file to charge.
    """
    order = _order(conn, order_id)
    if order["status"] != "pending":
        raise ValueError(f"order {order_id} is {order['status']}; only pending orders can be paid")
    customer = _customer(conn, order["customer_id"])
    if customer["status"] != "active":
        raise ValueError(f"customer {customer['id']} is {customer['status']}; payment refused")
    if method not in ("card", "paypal", "gift_card"):
        raise ValueError("method must be card, paypal or gift_card")
    conn.execute(
        "INSERT INTO payments (order_id, kind, amount_cents, method, created_at, note) "
        "VALUES (?, 'charge', ?, ?, ?, NULL)",
        (order_id, order["total_cents"], method, _today(conn)),
    )
    conn.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (order_id,))
    return get_order(conn, order_id)


def cancel_order(conn: sqlite3.Connection, order_id: int, reason: str) -> dict:
    """Cancel an order that has not shipped: restock its items, refund what was paid, release its coupon.

    Shipped or delivered orders cannot be cancelled (use request_return instead).

    Args:
        order_id: The order number; must be pending or paid.
        reason: Why the order is cancelled.
    """
    order = _order(conn, order_id)
    if order["status"] not in ("pending", "paid"):
        raise ValueError(
            f"order {order_id} is {order['status']} and cannot be cancelled; "
            "for shipped/delivered orders use request_return"
        )
    if not reason.strip():
        raise ValueError("give a cancellation reason")
    for item in _rows(conn, "SELECT * FROM order_items WHERE order_id = ?", (order_id,)):
        _change_stock(conn, order["warehouse_id"], item["product_id"], item["quantity"])
    net = _net_paid(conn, order_id)
    if net > 0:
        conn.execute(
            "INSERT INTO payments (order_id, kind, amount_cents, method, created_at, note) "
            "VALUES (?, 'refund', ?, ?, ?, 'order cancelled')",
            (order_id, net, _charge_method(conn, order_id), _today(conn)),
        )
    if order["coupon_id"] is not None:
        conn.execute(
            "UPDATE coupons SET times_used = MAX(times_used - 1, 0) WHERE id = ?", (order["coupon_id"],)
        )
    conn.execute(
        "UPDATE orders SET status = 'cancelled', cancel_reason = ? WHERE id = ?", (reason.strip(), order_id)
    )
    return get_order(conn, order_id)


# ---------------------------------------------------------------- shipping


def ship_order(
    conn: sqlite3.Connection, order_id: int, carrier: Literal["UPS", "FedEx", "USPS"], tracking_number: str
) -> dict:
    """Hand a paid order to a carrier: creates the shipment and marks the order shipped.

    Args:
        order_id: The order number; must be paid.
        carrier: Carrier name.
        tracking_number: The carrier's unique tracking number.
    """
    order = _order(conn, order_id)
    if order["status"] != "paid":
        raise ValueError(f"order {order_id} is {order['status']}; only paid orders can ship")
    tracking_number = tracking_number.strip()
    if not tracking_number:
        raise ValueError("tracking_number must not be empty")
    if _one(conn, "SELECT id FROM shipments WHERE tracking_number = ?", (tracking_number,)):
        raise ValueError(f"tracking number {tracking_number} is already used by another shipment")
    conn.execute(
        "INSERT INTO shipments (order_id, carrier, tracking_number, status, shipped_at) "
        "VALUES (?, ?, ?, 'in_transit', ?)",
        (order_id, carrier, tracking_number, _today(conn)),
    )
    conn.execute("UPDATE orders SET status = 'shipped' WHERE id = ?", (order_id,))
    return get_order(conn, order_id)


def mark_delivered(conn: sqlite3.Connection, order_id: int) -> dict:
    """Record that a shipped order was delivered today (starts the return window).

    Args:
        order_id: The order number; must be shipped.
    """
    order = _order(conn, order_id)
    if order["status"] != "shipped":
        raise ValueError(
            f"order {order_id} is {order['status']}; only shipped orders can be marked delivered"
        )
    conn.execute(
        "UPDATE shipments SET status = 'delivered', delivered_at = ? WHERE order_id = ?",
        (_today(conn), order_id),
    )
    conn.execute("UPDATE orders SET status = 'delivered' WHERE id = ?", (order_id,))
    return get_order(conn, order_id)


def list_shipments(
    conn: sqlite3.Connection,
    status: Literal["in_transit", "delivered"] | None = None,
    carrier: Literal["UPS", "FedEx", "USPS"] | None = None,
    shipped_from: str | None = None,
    shipped_to: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list:
    """List shipments, newest first, filtered by status, carrier and ship-date range.

    Args:
        status: Shipment status.
        carrier: Carrier name.
        shipped_from: Earliest ship date, YYYY-MM-DD (inclusive).
        shipped_to: Latest ship date, YYYY-MM-DD (inclusive).
        limit: Maximum rows to return (1-200).
        offset: Rows to skip, for paging.
    """
    sql = "SELECT * FROM shipments WHERE 1 = 1"
    args: list = []
    for column, op, value in (
        ("status", "=", status),
        ("carrier", "=", carrier),
        ("shipped_at", ">=", shipped_from),
        ("shipped_at", "<=", shipped_to),
    ):
        if value:
            sql += f" AND {column} {op} ?"
            args.append(value)
    sql += " ORDER BY shipped_at DESC, id DESC LIMIT ? OFFSET ?"
    return _rows(conn, sql, tuple(args) + _limit(limit, offset))


# ---------------------------------------------------------------- payments


def list_payments(
    conn: sqlite3.Connection,
    kind: Literal["charge", "refund"] | None = None,
    order_id: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list:
    """List payment transactions (charges and refunds), oldest first.

    Args:
        kind: "charge" or "refund".
        order_id: Only this order's transactions.
        date_from: Earliest transaction date, YYYY-MM-DD (inclusive).
        date_to: Latest transaction date, YYYY-MM-DD (inclusive).
        limit: Maximum rows to return (1-200).
        offset: Rows to skip, for paging.
    """
    sql = "SELECT * FROM payments WHERE 1 = 1"
    args: list = []
    if kind:
        sql += " AND kind = ?"
        args.append(kind)
    if order_id is not None:
        sql += " AND order_id = ?"
        args.append(order_id)
    if date_from:
        sql += " AND created_at >= ?"
        args.append(date_from)
    if date_to:
        sql += " AND created_at <= ?"
        args.append(date_to)
    sql += " ORDER BY created_at, id LIMIT ? OFFSET ?"
    return _rows(conn, sql, tuple(args) + _limit(limit, offset))


def issue_refund(conn: sqlite3.Connection, order_id: int, amount_cents: int, reason: str) -> dict:
    """Refund part of what a customer paid (e.g. a goodwill gesture), to the original payment method.

    The order's status and stock do not change. The refund cannot exceed the net amount still paid.

    Args:
        order_id: The order number; must have been paid and not cancelled.
        amount_cents: Amount to refund in cents (> 0).
        reason: Why the refund is issued; stored as the payment note.
    """
    order = _order(conn, order_id)
    if order["status"] in ("pending", "cancelled"):
        raise ValueError(f"order {order_id} is {order['status']}; there is no payment to refund")
    if amount_cents <= 0:
        raise ValueError("amount_cents must be positive")
    net = _net_paid(conn, order_id)
    if amount_cents > net:
        raise ValueError(
            f"refund of {amount_cents} cents exceeds the {net} cents still paid on order {order_id}"
        )
    if not reason.strip():
        raise ValueError("give a reason for the refund")
    cur = conn.execute(
        "INSERT INTO payments (order_id, kind, amount_cents, method, created_at, note) "
        "VALUES (?, 'refund', ?, ?, ?, ?)",
        (order_id, amount_cents, _charge_method(conn, order_id), _today(conn), reason.strip()),
    )
    return _one(conn, "SELECT * FROM payments WHERE id = ?", (cur.lastrowid,))


# ---------------------------------------------------------------- returns


def request_return(
    conn: sqlite3.Connection, order_id: int, product_id: int, quantity: int, reason: str
) -> dict:
    """Open a return request for delivered items, within the store's return window after delivery.

    Args:
        order_id: The order number; must be delivered.
        product_id: The product being returned.
        quantity: Units to return; at most the units bought minus units already returned or requested.
        reason: The customer's reason, e.g. "arrived damaged".
    """
    order = _order(conn, order_id)
    if order["status"] != "delivered":
        raise ValueError(f"order {order_id} is {order['status']}; only delivered orders can be returned")
    shipment = _one(conn, "SELECT * FROM shipments WHERE order_id = ?", (order_id,))
    window = int(_setting(conn, "return_window_days"))
    age = _days_between(shipment["delivered_at"], _today(conn))
    if age > window:
        raise ValueError(
            f"order {order_id} was delivered {age} days ago; returns are accepted within {window} days"
        )
    item = _one(
        conn, "SELECT * FROM order_items WHERE order_id = ? AND product_id = ?", (order_id, product_id)
    )
    if item is None:
        raise ValueError(f"product {product_id} is not in order {order_id}")
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    taken = _one(
        conn,
        "SELECT COALESCE(SUM(quantity), 0) AS n FROM returns WHERE order_item_id = ? AND status != 'rejected'",
        (item["id"],),
    )["n"]
    if quantity > item["quantity"] - taken:
        raise ValueError(
            f"only {item['quantity'] - taken} unit(s) of product {product_id} on order {order_id} can still be returned"
        )
    if not reason.strip():
        raise ValueError("give the customer's reason for the return")
    cur = conn.execute(
        "INSERT INTO returns (order_id, order_item_id, quantity, reason, status, restocked, created_at) "
        "VALUES (?, ?, ?, ?, 'requested', 0, ?)",
        (order_id, item["id"], quantity, reason.strip(), _today(conn)),
    )
    return _one(conn, "SELECT * FROM returns WHERE id = ?", (cur.lastrowid,))


def approve_return(conn: sqlite3.Connection, return_id: int, restock: bool) -> dict:
    """Approve a requested return: refund the items and optionally put them back into stock.

    The refund is the returned units' price minus their proportional share of the order's coupon discount
    (rounded to the cent), paid to the original payment method. Shipping is not refunded.

    Args:
        return_id: The return request id (status "requested").
        restock: True if the items are resellable and go back to the order's warehouse; False for damaged items.
    """
    ret = _one(conn, "SELECT * FROM returns WHERE id = ?", (return_id,))
    if ret is None:
        raise ValueError(f"return {return_id} does not exist")
    if ret["status"] != "requested":
        raise ValueError(f"return {return_id} is already {ret['status']}")
    order = _order(conn, ret["order_id"])
    item = _one(conn, "SELECT * FROM order_items WHERE id = ?", (ret["order_item_id"],))
    line = ret["quantity"] * item["unit_price_cents"]
    amount = line - _half_up(order["discount_cents"] * line, order["subtotal_cents"])
    amount = min(amount, _net_paid(conn, order["id"]))
    refund_id = None
    if amount > 0:
        cur = conn.execute(
            "INSERT INTO payments (order_id, kind, amount_cents, method, created_at, note) "
            "VALUES (?, 'refund', ?, ?, ?, ?)",
            (order["id"], amount, _charge_method(conn, order["id"]), _today(conn), f"return #{return_id}"),
        )
        refund_id = cur.lastrowid
    if restock:
        _change_stock(conn, order["warehouse_id"], item["product_id"], ret["quantity"])
    conn.execute(
        "UPDATE returns SET status = 'refunded', restocked = ?, refund_payment_id = ?, refund_cents = ? WHERE id = ?",
        (int(restock), refund_id, amount, return_id),
    )
    return _one(conn, "SELECT * FROM returns WHERE id = ?", (return_id,))


def reject_return(conn: sqlite3.Connection, return_id: int, note: str) -> dict:
    """Reject a requested return (no refund, no restock); the note is appended to the reason.

    Args:
        return_id: The return request id (status "requested").
        note: Why the return is rejected.
    """
    ret = _one(conn, "SELECT * FROM returns WHERE id = ?", (return_id,))
    if ret is None:
        raise ValueError(f"return {return_id} does not exist")
    if ret["status"] != "requested":
        raise ValueError(f"return {return_id} is already {ret['status']}")
    conn.execute(
        "UPDATE returns SET status = 'rejected', reason = ? WHERE id = ?",
        (ret["reason"] + " | rejected: " + note.strip(), return_id),
    )
    return _one(conn, "SELECT * FROM returns WHERE id = ?", (return_id,))


def list_returns(
    conn: sqlite3.Connection,
    status: Literal["requested", "refunded", "rejected"] | None = None,
    order_id: int | None = None,
) -> list:
    """List return requests with product details, newest first.

    Args:
        status: Return status filter.
        order_id: Only this order's returns.
    """
    sql = (
        "SELECT r.*, p.id AS product_id, p.sku, p.name FROM returns r "
        "JOIN order_items oi ON oi.id = r.order_item_id JOIN products p ON p.id = oi.product_id WHERE 1 = 1"
    )
    args: list = []
    if status:
        sql += " AND r.status = ?"
        args.append(status)
    if order_id is not None:
        sql += " AND r.order_id = ?"
        args.append(order_id)
    return _rows(conn, sql + " ORDER BY r.created_at DESC, r.id DESC", tuple(args))


# ---------------------------------------------------------------- coupons, reviews, reports


def list_coupons(conn: sqlite3.Connection, active_only: bool = True, code: str | None = None) -> list:
    """List coupons with their rules (validity dates, minimum subtotal, category, tier, usage).

    Args:
        active_only: Only coupons marked active (they may still be outside their validity dates).
        code: Only the coupon with this code (case-insensitive).
    """
    sql = "SELECT cp.*, c.name AS category FROM coupons cp LEFT JOIN categories c ON c.id = cp.category_id WHERE 1 = 1"
    args: list = []
    if active_only:
        sql += " AND cp.active = 1"
    if code:
        sql += " AND upper(cp.code) = ?"
        args.append(code.strip().upper())
    return _rows(conn, sql + " ORDER BY cp.code", tuple(args))


def list_reviews(
    conn: sqlite3.Connection,
    product_id: int | None = None,
    customer_id: int | None = None,
    min_rating: int | None = None,
    max_rating: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list:
    """List product reviews, newest first, by product, customer and rating range.

    Args:
        product_id: Only reviews of this product.
        customer_id: Only reviews by this customer.
        min_rating: Lowest rating (1-5, inclusive).
        max_rating: Highest rating (1-5, inclusive).
        limit: Maximum rows to return (1-200).
        offset: Rows to skip, for paging.
    """
    sql = "SELECT * FROM reviews WHERE 1 = 1"
    args: list = []
    for column, op, value in (
        ("product_id", "=", product_id),
        ("customer_id", "=", customer_id),
        ("rating", ">=", min_rating),
        ("rating", "<=", max_rating),
    ):
        if value is not None:
            sql += f" AND {column} {op} ?"
            args.append(value)
    sql += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
    return _rows(conn, sql, tuple(args) + _limit(limit, offset))


def add_review(
    conn: sqlite3.Connection,
    customer_id: int,
    product_id: int,
    rating: int,
    title: str,
    body: str | None = None,
) -> dict:
    """Record a customer's review; only customers with a delivered order of the product may review it, once.

    Args:
        customer_id: The reviewing customer.
        product_id: The reviewed product.
        rating: Stars, 1-5.
        title: Short headline.
        body: Optional review text.
    """
    _customer(conn, customer_id)
    _product(conn, product_id)
    if rating < 1 or rating > 5:
        raise ValueError("rating must be between 1 and 5")
    bought = _one(
        conn,
        "SELECT COUNT(*) AS n FROM orders o JOIN order_items oi ON oi.order_id = o.id "
        "WHERE o.customer_id = ? AND oi.product_id = ? AND o.status = 'delivered'",
        (customer_id, product_id),
    )["n"]
    if not bought:
        raise ValueError(f"customer {customer_id} has no delivered order of product {product_id}")
    if _one(
        conn, "SELECT id FROM reviews WHERE customer_id = ? AND product_id = ?", (customer_id, product_id)
    ):
        raise ValueError(f"customer {customer_id} already reviewed product {product_id}")
    cur = conn.execute(
        "INSERT INTO reviews (product_id, customer_id, rating, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (product_id, customer_id, rating, title.strip(), body, _today(conn)),
    )
    return _one(conn, "SELECT * FROM reviews WHERE id = ?", (cur.lastrowid,))


def sales_report(
    conn: sqlite3.Connection,
    date_from: str,
    date_to: str,
    category: str | None = None,
    limit: int = 10,
) -> list:
    """Units sold and revenue per product for orders placed in a date range, best sellers first.

    Cancelled orders are excluded; returns are not subtracted. Revenue is units x unit price, before discounts.

    Args:
        date_from: First placement date, YYYY-MM-DD (inclusive).
        date_to: Last placement date, YYYY-MM-DD (inclusive).
        category: Only products of this category.
        limit: Maximum rows to return (1-200).
    """
    sql = (
        "SELECT p.id AS product_id, p.sku, p.name, c.name AS category, SUM(oi.quantity) AS units, "
        "SUM(oi.quantity * oi.unit_price_cents) AS revenue_cents, COUNT(DISTINCT o.id) AS orders "
        "FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id "
        "JOIN categories c ON c.id = p.category_id "
        "WHERE o.status != 'cancelled' AND o.placed_at >= ? AND o.placed_at <= ?"
    )
    args: list = [date_from, date_to]
    if category:
        sql += " AND p.category_id = ?"
        args.append(_category_id(conn, category))
    sql += " GROUP BY p.id ORDER BY units DESC, revenue_cents DESC, p.name LIMIT ?"
    args.append(_limit(limit, 0)[0])
    return _rows(conn, sql, tuple(args))
