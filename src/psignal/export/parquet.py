"""Parquet export: the RL rows through pyarrow, nested parts kept as JSON text so any schema fits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from psignal.errors import ExportError
from psignal.export.episodes import Episode
from psignal.export.rl import to_rl


def write_parquet(episodes: Sequence[Episode], out: Path | BinaryIO) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [to_rl(e) for e in episodes]
    table = pa.table(
        {
            "world": [r["metadata"]["world"] for r in rows],
            "task": [r["metadata"]["task"] for r in rows],
            "seed": [r["metadata"]["seed"] for r in rows],
            "prompt": [r["prompt"] for r in rows],
            "initial_observation": [r["initial_observation"] for r in rows],
            "actions": [[json.dumps(s["action"], ensure_ascii=False) for s in r["steps"]] for r in rows],
            "observations": [[s["observation"] for s in r["steps"]] for r in rows],
            "rewards": pa.array(
                [[s["reward"] for s in r["steps"]] for r in rows], type=pa.list_(pa.float64())
            ),
            "valid": [[s["valid"] for s in r["steps"]] for r in rows],
            "terminated": [[s["terminated"] for s in r["steps"]] for r in rows],
            "truncated": [[s["truncated"] for s in r["steps"]] for r in rows],
            "return": pa.array([r["return"] for r in rows], type=pa.float64()),
            "success": [r["success"] for r in rows],
            "tools": [json.dumps(r["tools"], ensure_ascii=False) for r in rows],
            "metadata": [json.dumps(r["metadata"], ensure_ascii=False, sort_keys=True) for r in rows],
        }
    )
    try:
        pq.write_table(table, out)
    except OSError as exc:
        raise ExportError(f"{out}: cannot write parquet: {exc}") from exc
    return len(rows)
