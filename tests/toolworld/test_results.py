"""Tool results become plain JSON values: orjson's fast path for JSON's own types, the careful walk
(``to_json_value``) for rows, bytes, dates, decimals, huge integers and non-string keys, and a refused
call (rolled back) for anything else."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psignal.jsontext import compact_json
from pworlds.worlds.toolworld.episode import Episode, image_from_connection, json_result, to_json_value

plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@given(plain)
def test_json_values_come_back_equal_with_their_compact_text(value: object) -> None:
    result, text = json_result(value)
    assert result == value and type(result) is type(value)
    assert text is None or text == compact_json(value)
    assert result == to_json_value(value)
    if isinstance(value, dict | list):
        assert text is not None and json.loads(text) == value
        assert result is not value  # a copy: editing the observation never edits what the tool returned


def test_tuples_become_lists() -> None:
    assert json_result((1, ("a", None))) == ([1, ["a", None]], b'[1,["a",null]]')


def test_values_orjson_leaves_alone_take_the_careful_walk() -> None:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT 1 AS id, x'00ff' AS blob").fetchone()
    value = {
        "row": row,
        "blob": b"\x01\x02",
        "day": dt.date(2024, 5, 1),
        "at": dt.datetime(2024, 5, 1, 12, 30),
        "price": decimal.Decimal("2.50"),
        "huge": 2**70,
        "by_id": {7: "seven"},
    }
    result, text = json_result(value)
    assert text is None
    assert result == {
        "row": {"id": 1, "blob": "00ff"},
        "blob": "0102",
        "day": "2024-05-01",
        "at": "2024-05-01T12:30:00",
        "price": 2.5,
        "huge": 2**70,
        "by_id": {"7": "seven"},
    }


class Name(str):
    pass


def test_subclasses_of_json_types_keep_the_old_meaning() -> None:
    result, text = json_result({"name": Name("mug")})
    assert result == {"name": "mug"} and text is None


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [object(), {1, 2}, Point(1), [lambda: 0]])
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(TypeError, match="not JSON"):
        json_result(value)


def test_a_tool_returning_something_else_fails_its_call_and_changes_nothing() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO t VALUES (1, 1);")
    episode = Episode(image_from_connection(conn))

    def bad(conn: sqlite3.Connection) -> object:
        conn.execute("UPDATE t SET n = 2")
        return {"ids": {1}}

    outcome = episode.call(bad, {}, None)
    assert not outcome.ok and "not JSON" in (outcome.error or "")
    assert episode.conn.execute("SELECT n FROM t").fetchone()[0] == 1

    shared = {"rows": [{"id": 1}]}
    outcome = episode.call(lambda conn: shared, {}, None)
    assert outcome.ok and outcome.result == shared and outcome.text == b'{"rows":[{"id":1}]}'
    outcome.result["rows"].append("edited")
    assert shared == {"rows": [{"id": 1}]}
    episode.close()
