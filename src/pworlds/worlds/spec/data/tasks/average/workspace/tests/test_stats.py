import pytest
from stats import mean, spread


def test_mean_of_numbers():
    assert mean([1, 2, 3, 4]) == 2.5


def test_mean_of_empty_list_raises_value_error():
    with pytest.raises(ValueError, match="empty data"):
        mean([])


def test_spread():
    assert spread([3, 9, 1]) == 8
