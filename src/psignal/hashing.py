"""Canonical JSON and state hashes: the one definition every comparison in pworlds relies on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the form every hash in pworlds is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def state_hash(state: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of a world state; recorded on every trace event."""
    return hashlib.sha256(canonical_json(state).encode()).hexdigest()
