"""Write exports to disk atomically: a failed export never leaves a half-written file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from psignal.errors import ExportError, UsageError, choices_hint
from psignal.export.episodes import Episode, load_episodes
from psignal.export.rl import to_rl
from psignal.export.sft import to_sft
from psignal.folder import atomic_file

FORMATS = ("sft", "rl", "parquet")


@dataclass(frozen=True)
class ExportSummary:
    out: Path
    format: str
    episodes: int
    steps: int
    successes: int


def _write_jsonl(rows: Sequence[dict], out: Path) -> None:
    with atomic_file(out) as f:
        for row in rows:
            f.write((json.dumps(row, ensure_ascii=False) + "\n").encode())


def export_episodes(
    episodes: Sequence[Episode], fmt: str, out: Path | str, *, only_valid: bool = False
) -> ExportSummary:
    out = Path(out)
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; {choices_hint(fmt, FORMATS)}")
    if not out.parent.is_dir():
        raise ExportError(f"{out.parent}: output folder does not exist")
    if fmt == "sft":
        _write_jsonl([to_sft(e, only_valid=only_valid) for e in episodes], out)
    elif fmt == "rl":
        _write_jsonl([to_rl(e) for e in episodes], out)
    else:
        from psignal.export.parquet import write_parquet

        with atomic_file(out) as f:
            write_parquet(episodes, f)
    return ExportSummary(
        out, fmt, len(episodes), sum(len(e.steps) for e in episodes), sum(1 for e in episodes if e.success)
    )


def export(
    sources: Sequence[Path | str], fmt: str, out: Path | str, *, only_valid: bool = False
) -> ExportSummary:
    """Export every episode with at least one step found in ``sources`` (task folders or trace files)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; {choices_hint(fmt, FORMATS)}")
    return export_episodes(load_episodes(sources), fmt, out, only_valid=only_valid)
