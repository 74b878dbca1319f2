from leaderboard import top


def test_highest_first():
    assert top({"ann": 3, "bob": 9, "cy": 5}, 2) == [("bob", 9), ("cy", 5)]


def test_ties_by_name():
    assert top({"zed": 4, "amy": 4, "kim": 1}, 2) == [("amy", 4), ("zed", 4)]


def test_n_larger_than_players():
    assert len(top({"a": 1}, 5)) == 1


def test_empty():
    assert top({}, 3) == []
