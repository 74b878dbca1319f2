"""A small shopping cart: line items, quantity limits, discount codes, tax and rounding.

This module is correct; ``pworlds spec mutate`` makes buggy variants of it (see docs/spec.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

MAX_QUANTITY = 99
TAX_RATE = Decimal("0.08")
CODES = {"SAVE10": Decimal("0.10"), "HALF": Decimal("0.50")}
FREE_SHIPPING_FROM = Decimal("50.00")
SHIPPING = Decimal("4.99")


def to_cents(amount: Decimal) -> Decimal:
    """Round half up to whole cents."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Item:
    sku: str
    price: Decimal
    quantity: int = 1

    def total(self) -> Decimal:
        return self.price * self.quantity


@dataclass
class Cart:
    items: dict[str, Item] = field(default_factory=dict)
    code: str | None = None

    def add(self, sku: str, price: Decimal | str, quantity: int = 1) -> None:
        """Add ``quantity`` of ``sku``; the total per line may not exceed MAX_QUANTITY."""
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        price = Decimal(price)
        if price < 0:
            raise ValueError("price cannot be negative")
        current = self.items[sku].quantity if sku in self.items else 0
        if current + quantity > MAX_QUANTITY:
            raise ValueError(f"at most {MAX_QUANTITY} of one item")
        self.items[sku] = Item(sku, price, current + quantity)

    def remove(self, sku: str, quantity: int = 1) -> None:
        """Remove ``quantity`` of ``sku``; the line disappears when none are left."""
        if sku not in self.items:
            raise KeyError(sku)
        item = self.items[sku]
        if quantity >= item.quantity:
            del self.items[sku]
        else:
            item.quantity -= quantity

    def count(self) -> int:
        return sum(item.quantity for item in self.items.values())

    def apply_code(self, code: str) -> None:
        code = code.strip().upper()
        if code not in CODES:
            raise ValueError(f"unknown code {code!r}")
        self.code = code

    def subtotal(self) -> Decimal:
        return sum((item.total() for item in self.items.values()), Decimal("0"))

    def discount(self) -> Decimal:
        if self.code is None:
            return Decimal("0")
        return to_cents(self.subtotal() * CODES[self.code])

    def shipping(self) -> Decimal:
        if not self.items:
            return Decimal("0")
        if self.subtotal() - self.discount() >= FREE_SHIPPING_FROM:
            return Decimal("0")
        return SHIPPING

    def tax(self) -> Decimal:
        return to_cents((self.subtotal() - self.discount()) * TAX_RATE)

    def total(self) -> Decimal:
        return self.subtotal() - self.discount() + self.tax() + self.shipping()

    def receipt(self) -> str:
        ordered = sorted(self.items.values(), key=lambda i: i.sku)
        lines = [f"{item.quantity} x {item.sku} @ {item.price:.2f}" for item in ordered]
        lines.append(f"total {self.total():.2f}")
        return "\n".join(lines)
