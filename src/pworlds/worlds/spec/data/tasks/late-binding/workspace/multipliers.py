"""Functions that multiply by 0, 1, 2, ..."""


def make_multipliers(n: int) -> list:
    return [lambda x: x * i for i in range(n)]  # noqa: B023
