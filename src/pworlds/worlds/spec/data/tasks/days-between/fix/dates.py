"""Date arithmetic."""

from datetime import date


def days_between(start: date, end: date) -> int:
    return abs((end - start).days)
