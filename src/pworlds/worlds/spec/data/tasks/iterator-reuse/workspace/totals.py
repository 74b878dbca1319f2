"""Summaries of a stream of numbers."""

from collections.abc import Iterable


def summarize(values: Iterable[float]) -> dict:
    total = sum(values)
    return {"count": len(list(values)), "total": total}
