"""Money formatting."""


def format_price(cents: int) -> str:
    """1999 -> '$19.99'; 123456 -> '$1,234.56'."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"
