import pytest
from median import median


def test_even_length():
    assert median([4, 1, 3, 2]) == 2.5


def test_odd_length():
    assert median([5, 1, 3]) == 3


def test_single():
    assert median([7]) == 7


def test_empty_raises():
    with pytest.raises(ValueError):
        median([])
