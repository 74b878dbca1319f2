"""Roman numerals."""

_TABLE = [
    (1000, "M"),
    (500, "D"),
    (100, "C"),
    (50, "L"),
    (10, "X"),
    (5, "V"),
    (1, "I"),
]


def to_roman(number: int) -> str:
    if not 0 < number < 4000:
        raise ValueError("roman numerals cover 1..3999")
    out = []
    for value, symbol in _TABLE:
        while number >= value:
            out.append(symbol)
            number -= value
    return "".join(out)
