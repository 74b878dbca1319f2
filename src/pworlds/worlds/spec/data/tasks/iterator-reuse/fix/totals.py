"""Summaries of a stream of numbers."""

from collections.abc import Iterable


def summarize(values: Iterable[float]) -> dict:
    items = list(values)
    return {"count": len(items), "total": sum(items)}
