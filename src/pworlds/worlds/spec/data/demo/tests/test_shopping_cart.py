from decimal import Decimal

import pytest
from shopping_cart import MAX_QUANTITY, SHIPPING, Cart, Item, to_cents


def D(text):
    return Decimal(text)


def test_to_cents_rounds_half_up():
    assert to_cents(D("1.005")) == D("1.01")
    assert to_cents(D("1.004")) == D("1.00")


def test_item_total():
    assert Item("a", D("2.50"), 3).total() == D("7.50")


def test_empty_cart():
    cart = Cart()
    assert cart.count() == 0
    assert cart.subtotal() == 0
    assert cart.shipping() == 0
    assert cart.total() == 0


def test_add_and_count():
    cart = Cart()
    cart.add("apple", "0.50", 4)
    cart.add("pear", "0.75")
    assert cart.count() == 5


def test_add_same_sku_accumulates():
    cart = Cart()
    cart.add("apple", "0.50", 2)
    cart.add("apple", "0.50", 3)
    assert cart.items["apple"].quantity == 5


def test_add_rejects_zero_quantity():
    with pytest.raises(ValueError):
        Cart().add("apple", "0.50", 0)


def test_add_accepts_quantity_one():
    cart = Cart()
    cart.add("apple", "0.50", 1)
    assert cart.count() == 1


def test_add_rejects_negative_price():
    with pytest.raises(ValueError):
        Cart().add("apple", "-1")


def test_add_accepts_free_item():
    cart = Cart()
    cart.add("sticker", "0")
    assert cart.subtotal() == 0


def test_quantity_limit_is_inclusive():
    cart = Cart()
    cart.add("apple", "0.10", MAX_QUANTITY)
    assert cart.count() == MAX_QUANTITY
    with pytest.raises(ValueError):
        cart.add("apple", "0.10", 1)


def test_quantity_limit_counts_existing():
    cart = Cart()
    cart.add("apple", "0.10", 90)
    with pytest.raises(ValueError):
        cart.add("apple", "0.10", 10)


def test_remove_some():
    cart = Cart()
    cart.add("apple", "0.50", 3)
    cart.remove("apple", 2)
    assert cart.items["apple"].quantity == 1


def test_remove_all_deletes_line():
    cart = Cart()
    cart.add("apple", "0.50", 2)
    cart.remove("apple", 2)
    assert "apple" not in cart.items


def test_remove_unknown():
    with pytest.raises(KeyError):
        Cart().remove("ghost")


def test_subtotal():
    cart = Cart()
    cart.add("apple", "0.50", 4)
    cart.add("pear", "1.25", 2)
    assert cart.subtotal() == D("4.50")


def test_code_is_normalised():
    cart = Cart()
    cart.apply_code("  save10 ")
    assert cart.code == "SAVE10"


def test_unknown_code():
    with pytest.raises(ValueError):
        Cart().apply_code("FREE")


def test_discount_ten_percent():
    cart = Cart()
    cart.add("book", "20.00", 2)
    cart.apply_code("SAVE10")
    assert cart.discount() == D("4.00")


def test_no_code_no_discount():
    cart = Cart()
    cart.add("book", "20.00")
    assert cart.discount() == 0


def test_shipping_below_threshold():
    cart = Cart()
    cart.add("book", "20.00")
    assert cart.shipping() == SHIPPING


def test_free_shipping_at_threshold():
    cart = Cart()
    cart.add("book", "50.00")
    assert cart.shipping() == 0


def test_discount_can_lose_free_shipping():
    cart = Cart()
    cart.add("book", "60.00")
    cart.apply_code("HALF")
    assert cart.shipping() == SHIPPING


def test_tax_after_discount():
    cart = Cart()
    cart.add("book", "100.00")
    cart.apply_code("SAVE10")
    assert cart.tax() == D("7.20")


def test_total_small_order():
    cart = Cart()
    cart.add("pen", "1.99", 3)
    assert cart.total() == D("5.97") + D("0.48") + SHIPPING


def test_total_large_order():
    cart = Cart()
    cart.add("book", "100.00")
    cart.apply_code("SAVE10")
    assert cart.total() == D("97.20")


def test_receipt_lines_sorted_by_sku():
    cart = Cart()
    cart.add("pear", "1.25", 2)
    cart.add("apple", "0.50", 1)
    assert cart.receipt().splitlines() == ["1 x apple @ 0.50", "2 x pear @ 1.25", "total 8.23"]
