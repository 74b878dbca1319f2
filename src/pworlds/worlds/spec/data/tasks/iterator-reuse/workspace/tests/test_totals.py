from totals import summarize


def test_list_input():
    assert summarize([1, 2, 3]) == {"count": 3, "total": 6}


def test_generator_input():
    assert summarize(x for x in (1, 2, 3)) == {"count": 3, "total": 6}


def test_empty():
    assert summarize([]) == {"count": 0, "total": 0}
