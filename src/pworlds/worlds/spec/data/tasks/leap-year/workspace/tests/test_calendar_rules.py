from calendar_rules import days_in_february, is_leap


def test_ordinary_leap_year():
    assert is_leap(2024)


def test_century_is_not_leap():
    assert not is_leap(1900)


def test_four_hundred_is_leap():
    assert is_leap(2000)
    assert days_in_february(2000) == 29


def test_common_year():
    assert days_in_february(2023) == 28
