from multipliers import make_multipliers


def test_count():
    assert len(make_multipliers(4)) == 4


def test_each_has_its_own_factor():
    assert [f(10) for f in make_multipliers(3)] == [0, 10, 20]
