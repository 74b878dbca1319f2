"""The canonical JSON behind every state hash is exactly json.dumps with sorted keys and no spaces."""

from __future__ import annotations

import enum
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psignal.hashing import canonical_json, floatless_canonical_bytes, state_hash

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON)
def test_canonical_json_matches_json_dumps(value: object) -> None:
    assert canonical_json(value) == json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def test_key_order_does_not_change_the_hash() -> None:
    assert state_hash({"a": 1, "b": {"y": 2, "x": "é"}}) == state_hash({"b": {"x": "é", "y": 2}, "a": 1})


class _Color(enum.StrEnum):
    RED = "red"


FLOATLESS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(FLOATLESS)
def test_floatless_fast_path_is_the_canonical_json(value: object) -> None:
    """Hashes from the orjson fast path must equal the definition's (integers of any size included)."""
    try:
        expected = canonical_json(value).encode()
    except UnicodeEncodeError:  # lone surrogates: the definition cannot hash them either
        with pytest.raises(UnicodeEncodeError):
            floatless_canonical_bytes(value)
        return
    assert floatless_canonical_bytes(value) == expected


@pytest.mark.parametrize(
    "value",
    [{1: "int key"}, {"e": _Color.RED}, {"big": 2**70}, {"x": [True, None]}],
)
def test_floatless_fast_path_falls_back_where_orjson_differs(value: object) -> None:
    assert floatless_canonical_bytes(value) == canonical_json(value).encode()


def test_floatless_fast_path_refuses_what_the_definition_refuses() -> None:
    for bad in ({"when": object()}, {"d": __import__("datetime").date(2026, 1, 1)}):
        with pytest.raises(TypeError):
            floatless_canonical_bytes(bad)
