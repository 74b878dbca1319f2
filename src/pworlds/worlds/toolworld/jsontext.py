"""JSON text on the per-call path, byte for byte what ``json.JSONEncoder(...).encode`` returns, cheaper.

``JSONEncoder.encode`` builds a new C encoder on every call; the tool-call path encodes a changed row and
a result per step, so the encoders here are built once and reused (as ``psignal.hashing`` does for
canonical JSON). No cycle check: rows are flat tuples and results went through ``to_json_value`` first
(a cyclic value never gets that far).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

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
    default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """An ``encode(value) -> str`` equal to ``json.JSONEncoder(separators=..., ensure_ascii=...,
    default=...).encode`` (``check_circular`` aside), built once."""
    reference = json.JSONEncoder(separators=separators, ensure_ascii=ensure_ascii, default=default)
    if _c_make_encoder is None:  # pragma: no cover
        return reference.encode
    quote = _encode_basestring_ascii if ensure_ascii else _encode_basestring
    item_sep, key_sep = separators
    iterencode = _c_make_encoder(None, reference.default, quote, None, key_sep, item_sep, False, False, True)

    def encode(value: Any) -> str:
        if type(value) is str:
            return quote(value)
        return "".join(iterencode(value, 0))

    return encode
