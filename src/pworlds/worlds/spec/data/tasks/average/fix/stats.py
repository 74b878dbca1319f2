"""Small statistics helpers."""


def mean(values: list[float]) -> float:
    if not values:
        raise ValueError("empty data")
    return sum(values) / len(values)


def spread(values: list[float]) -> float:
    """Largest minus smallest value."""
    return max(values) - min(values)
