"""Triangle checks."""

import math


def is_right_triangle(a: float, b: float, c: float) -> bool:
    a, b, c = sorted((a, b, c))
    return math.isclose(a * a + b * b, c * c, rel_tol=1e-9)


def hypotenuse(a: float, b: float) -> float:
    return math.hypot(a, b)
