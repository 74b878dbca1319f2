from temperature import celsius, fahrenheit


def test_boiling_point():
    assert fahrenheit(100) == 212


def test_freezing_point():
    assert fahrenheit(0) == 32


def test_celsius_inverse():
    assert celsius(212) == 100
    assert celsius(32) == 0
