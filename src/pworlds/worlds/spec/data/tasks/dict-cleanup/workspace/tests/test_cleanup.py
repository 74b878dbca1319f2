from cleanup import drop_empty


def test_removes_empty_values():
    assert drop_empty({"a": 1, "b": None, "c": "", "d": []}) == {"a": 1}


def test_keeps_falsy_numbers():
    assert drop_empty({"zero": 0, "no": False}) == {"zero": 0, "no": False}


def test_nothing_to_remove():
    assert drop_empty({"x": "y"}) == {"x": "y"}
