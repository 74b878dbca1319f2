"""JSON text on hot paths, byte for byte what ``json.JSONEncoder(...).encode`` returns, cheaper.

``json.dumps`` with any option builds a new ``JSONEncoder`` (and a new C encoder) on every call. Trace
lines, state hashes and toolworld's rows and results are encoded once per step, so the encoders here are
built once and reused. No cycle check: the values are JSON data (a cycle still ends in ``RecursionError``
instead of ``ValueError``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

try:
    from json.encoder import c_make_encoder as _c_make_encoder
    from json.encoder import encode_basestring as _encode_basestring
    from json.encoder import encode_basestring_ascii as _encode_basestring_ascii
except ImportError:  # pragma: no cover - other Pythons
    _c_make_encoder = None


def reusable_encoder(
    *,
    separators: tuple[str, str] = (", ", ": "),
    ensure_ascii: bool = True,
    sort_keys: bool = False,
    default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """An ``encode(value) -> str`` equal to ``json.JSONEncoder(separators=..., ensure_ascii=...,
    sort_keys=..., default=...).encode`` (``check_circular`` aside), built once."""
    reference = json.JSONEncoder(
        separators=separators, ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=default
    )
    if _c_make_encoder is None:  # pragma: no cover
        return reference.encode
    quote = _encode_basestring_ascii if ensure_ascii else _encode_basestring
    item_sep, key_sep = separators
    iterencode = _c_make_encoder(
        None, reference.default, quote, None, key_sep, item_sep, sort_keys, False, True
    )

    def encode(value: Any) -> str:
        if type(value) is str:
            return quote(value)
        return "".join(iterencode(value, 0))

    return encode


_COMPACT = reusable_encoder(separators=(",", ":"), ensure_ascii=False)


def compact_json(value: Any, *, newline: bool = False) -> bytes:
    """Compact UTF-8 JSON (trace lines, tool results): orjson, about ten times the stdlib's speed.

    What orjson refuses — integers beyond 64 bits, non-string keys — takes the stdlib encoder with the
    same separators, so the same value always gives the same bytes. JSON has no NaN: orjson writes a
    non-finite float as null.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE if newline else 0)
    except TypeError:
        return (_COMPACT(value) + "\n" if newline else _COMPACT(value)).encode()
