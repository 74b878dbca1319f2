from palindrome import is_palindrome


def test_simple():
    assert is_palindrome("racecar")


def test_not_palindrome():
    assert not is_palindrome("python")


def test_sentence_with_mixed_case():
    assert is_palindrome("A man, a plan, a canal: Panama")


def test_case_only():
    assert is_palindrome("Abba")
