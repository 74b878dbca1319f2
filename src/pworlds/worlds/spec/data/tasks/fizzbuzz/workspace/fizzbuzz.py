"""FizzBuzz: the classic warm-up, with a bug."""


def fizzbuzz(n: int) -> str:
    """Return "Fizz" for multiples of 3, "Buzz" for multiples of 5, "FizzBuzz" for both, else the number."""
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    if n % 15 == 0:
        return "FizzBuzz"
    return str(n)


def fizzbuzz_sequence(limit: int) -> list[str]:
    """The answers for 1..limit inclusive."""
    return [fizzbuzz(i) for i in range(1, limit + 1)]
