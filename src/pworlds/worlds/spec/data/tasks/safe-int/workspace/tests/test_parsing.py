from parsing import to_int


def test_plain_number():
    assert to_int("42") == 42


def test_whitespace_is_ignored():
    assert to_int("  7 ") == 7


def test_none_gives_default():
    assert to_int(None, default=5) == 5


def test_garbage_gives_default():
    assert to_int("abc", default=-1) == -1
    assert to_int("", default=3) == 3
