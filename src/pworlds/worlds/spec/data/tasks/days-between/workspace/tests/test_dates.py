from datetime import date

from dates import days_between


def test_same_day():
    assert days_between(date(2024, 1, 1), date(2024, 1, 1)) == 0


def test_across_months():
    assert days_between(date(2024, 1, 30), date(2024, 3, 1)) == 31


def test_order_does_not_matter():
    assert days_between(date(2024, 3, 1), date(2024, 1, 30)) == 31
