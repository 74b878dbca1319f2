import pytest
from grades import letter


def test_boundaries_are_inclusive():
    assert letter(90) == "A"
    assert letter(80) == "B"


def test_inside_bands():
    assert letter(95) == "A"
    assert letter(85) == "B"
    assert letter(30) == "F"


def test_out_of_range():
    with pytest.raises(ValueError):
        letter(101)
