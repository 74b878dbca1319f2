"""The canonical JSON behind every state hash is exactly json.dumps with sorted keys and no spaces."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from psignal.hashing import canonical_json, state_hash

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
