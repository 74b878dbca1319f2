from tags import add_tag


def test_single_call():
    assert add_tag("a") == ["a"]


def test_calls_do_not_share_state():
    first = add_tag("x")
    second = add_tag("y")
    assert first == ["x"]
    assert second == ["y"]


def test_existing_list_is_extended():
    assert add_tag("b", ["a"]) == ["a", "b"]


def test_no_duplicates():
    assert add_tag("a", ["a"]) == ["a"]
