"""The reused encoders must produce exactly what json.JSONEncoder(...).encode produces (hashes depend on it)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psignal.jsontext import reusable_encoder

SQL_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(),
    st.binary(max_size=16),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(SQL_VALUES, max_size=8).map(tuple))
def test_row_encoding_matches_json_encoder(row: tuple[Any, ...]) -> None:
    reference = json.JSONEncoder(separators=(",", ":"), default=bytes.hex).encode
    assert reusable_encoder(separators=(",", ":"), default=bytes.hex)(row) == reference(row)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_result_text_matches_json_encoder(value: Any) -> None:
    reference = json.JSONEncoder(ensure_ascii=False, default=str).encode
    assert reusable_encoder(ensure_ascii=False, default=str)(value) == reference(value)


def test_default_is_used_for_unknown_types_and_plain_strings_are_quoted() -> None:
    encode = reusable_encoder(ensure_ascii=False, default=str)
    assert encode({"when": object}) == json.dumps({"when": str(object)}, ensure_ascii=False)
    assert encode('é"\n') == json.dumps('é"\n', ensure_ascii=False)
    assert reusable_encoder()("é") == json.dumps("é")


def test_values_that_are_not_json_are_refused() -> None:
    from psignal.hashing import canonical_json

    with pytest.raises(TypeError):
        canonical_json({"when": object()})
