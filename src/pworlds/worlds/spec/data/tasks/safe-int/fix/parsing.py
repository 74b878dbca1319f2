"""Lenient number parsing for user input."""


def to_int(text: str | None, default: int = 0) -> int:
    """Parse ``text`` as an int; None or malformed text gives ``default``."""
    if text is None:
        return default
    try:
        return int(text.strip())
    except ValueError:
        return default
