from settings import DEFAULT_TIMEOUT, get_timeout


def test_missing_uses_default():
    assert get_timeout({}) == DEFAULT_TIMEOUT


def test_none_uses_default():
    assert get_timeout({"timeout": None}) == DEFAULT_TIMEOUT


def test_explicit_zero_is_kept():
    assert get_timeout({"timeout": 0}) == 0


def test_value_is_converted():
    assert get_timeout({"timeout": "15"}) == 15
