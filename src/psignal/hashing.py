"""Canonical JSON and state hashes: the one definition every comparison in pworlds relies on."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from psignal.jsontext import reusable_encoder

# Built once and reused: ~35% cheaper than json.dumps() per call.
_CANONICAL = reusable_encoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept (``json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``, byte for byte): the form every hash in pworlds is taken over."""
    return _CANONICAL(value)


def state_hash(state: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of a world state; recorded on every trace event."""
    return hashlib.sha256(_CANONICAL(state).encode()).hexdigest()


_ORJSON_CANONICAL = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def floatless_canonical_bytes(value: Any) -> bytes:
    """``canonical_json(value).encode()`` for a value the caller knows holds no floats, ~10x faster.

    orjson and the stdlib encoder agree byte for byte on None, bools, 64-bit integers, strings, and
    lists and string-keyed dicts of those (a property test pins it); they differ on floats (exponent
    form, NaN). Whatever orjson refuses (bigger integers, other key types, subclasses, dataclasses)
    takes the stdlib path, so results and errors are the definition's.
    """
    try:
        return orjson.dumps(value, option=_ORJSON_CANONICAL)
    except TypeError:
        return _CANONICAL(value).encode()
