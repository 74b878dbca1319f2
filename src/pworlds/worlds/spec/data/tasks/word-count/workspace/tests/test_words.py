from words import count_words, longest_word


def test_single_spaces():
    assert count_words("one two three") == 3


def test_repeated_whitespace():
    assert count_words("one  two\tthree\n") == 3


def test_empty_text_has_no_words():
    assert count_words("") == 0


def test_longest_word():
    assert longest_word("a bbb cc") == "bbb"
