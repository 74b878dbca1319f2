from fizzbuzz import fizzbuzz, fizzbuzz_sequence


def test_plain_numbers():
    assert fizzbuzz(1) == "1"
    assert fizzbuzz(7) == "7"


def test_fizz():
    assert fizzbuzz(3) == "Fizz"
    assert fizzbuzz(9) == "Fizz"


def test_buzz():
    assert fizzbuzz(5) == "Buzz"
    assert fizzbuzz(20) == "Buzz"


def test_fizzbuzz_on_multiples_of_fifteen():
    assert fizzbuzz(15) == "FizzBuzz"
    assert fizzbuzz(45) == "FizzBuzz"


def test_sequence_of_fifteen():
    assert fizzbuzz_sequence(15)[-1] == "FizzBuzz"
    assert len(fizzbuzz_sequence(15)) == 15
