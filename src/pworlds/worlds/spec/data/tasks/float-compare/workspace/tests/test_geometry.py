import math

from geometry import hypotenuse, is_right_triangle


def test_integer_triangle():
    assert is_right_triangle(3, 4, 5)


def test_order_does_not_matter():
    assert is_right_triangle(5, 3, 4)


def test_irrational_hypotenuse():
    assert is_right_triangle(1, 1, math.sqrt(2))


def test_not_right():
    assert not is_right_triangle(2, 3, 4)


def test_hypotenuse():
    assert hypotenuse(3, 4) == 5
