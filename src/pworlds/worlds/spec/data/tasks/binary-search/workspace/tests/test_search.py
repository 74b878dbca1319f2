from search import index_of


def test_middle():
    assert index_of([1, 3, 5, 7, 9], 5) == 2


def test_last_element():
    assert index_of([1, 3, 5, 7, 9], 9) == 4


def test_single_element():
    assert index_of([4], 4) == 0


def test_missing():
    assert index_of([1, 3, 5], 4) == -1
