from money import format_price


def test_two_decimals():
    assert format_price(1999) == "$19.99"


def test_thousands_separator():
    assert format_price(123456) == "$1,234.56"


def test_negative():
    assert format_price(-250) == "-$2.50"


def test_sign_only_when_negative():
    assert not format_price(5).startswith("-")
