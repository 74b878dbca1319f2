import pytest
from pagination import page_count, page_items


def test_first_page_is_full():
    assert page_items(list(range(10)), 1, 3) == [0, 1, 2]


def test_last_partial_page():
    assert page_items(list(range(10)), 4, 3) == [9]


def test_page_count():
    assert page_count(10, 3) == 4
    assert page_count(0, 3) == 1


def test_page_zero_rejected():
    with pytest.raises(ValueError):
        page_items([1, 2], 0, 2)


def test_out_of_range_page_is_empty():
    assert page_items([1, 2], 5, 2) == []
