import pytest
from clock import format_duration


def test_minutes_and_seconds():
    assert format_duration(65) == "1:05"


def test_hours():
    assert format_duration(3725) == "1:02:05"


def test_round_minutes():
    assert format_duration(600) == "10:0" + "0"


def test_negative():
    with pytest.raises(ValueError):
        format_duration(-1)
