"""Reading an AWM dataset folder: its JSONL files, checked and indexed by scenario.

The AWM-1K dataset keeps each scenario as rows of JSONL files: ``gen_scenario`` (name, description),
``gen_tasks`` (scenario, tasks), ``gen_db`` (scenario, db_schema.tables[].ddl/indexes), ``gen_sample``
(scenario, sample_data.tables[].insert_statements), ``gen_spec`` (scenario, api_spec.api_groups[].endpoints[];
optional), ``gen_envs`` (scenario, full_code: a FastAPI + SQLAlchemy app) and ``gen_verifier`` /
``gen_verifier.pure_code`` (scenario, task_idx, verification.code). Reading them all up front lets the import
refuse a broken folder before it writes anything, with the file and line at fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pworlds.worlds.toolworld.awm_errors import AWMImportError, one_line

NEEDED = ("gen_scenario.jsonl", "gen_tasks.jsonl", "gen_db.jsonl", "gen_sample.jsonl", "gen_envs.jsonl")
"""The files every AWM dataset folder has (``gen_scenario`` first: it lists the scenarios)."""
_VERIFIER_FILES = ("gen_verifier.pure_code.jsonl", "gen_verifier.jsonl")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AWMImportError(f"{path}: cannot read ({one_line(exc)})") from exc
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AWMImportError(f"{path}:{lineno}: not JSON ({exc.msg}); fix or drop the line") from exc
        if not isinstance(row, dict):
            raise AWMImportError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
        rows.append(row)
    return rows


def _by_scenario(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r.get("scenario") or r.get("name")): r for r in rows if r.get("scenario") or r.get("name")}


@dataclass
class Source:
    """The AWM JSONL rows of a dataset folder, indexed by scenario (verifier code by scenario and task)."""

    folder: Path
    rows: dict[str, dict[str, dict[str, Any]]]
    specs: dict[str, dict[str, Any]]
    verifiers: dict[str, dict[int, str]]
    verifier_file: Path | None

    @classmethod
    def read(cls, folder: Path) -> Source:
        if not folder.is_dir():
            raise AWMImportError(f"{folder} is not a folder; pass the folder holding gen_scenario.jsonl etc.")
        missing = [n for n in NEEDED if not (folder / n).is_file()]
        if missing:
            raise AWMImportError(f"{folder} is not an AWM dataset folder: missing {', '.join(missing)}")
        verifier_file = next((folder / n for n in _VERIFIER_FILES if (folder / n).is_file()), None)
        rows = {n: _by_scenario(_read_jsonl(folder / n)) for n in NEEDED}
        spec_file = folder / "gen_spec.jsonl"
        specs = _by_scenario(_read_jsonl(spec_file)) if spec_file.is_file() else {}
        verifiers: dict[str, dict[int, str]] = {}
        for row in _read_jsonl(verifier_file) if verifier_file else []:
            verification = row.get("verification")
            code = (verification.get("code") if isinstance(verification, dict) else None) or row.get("code")
            if row.get("scenario") is None or row.get("task_idx") is None or not code:
                continue
            try:
                verifiers.setdefault(str(row["scenario"]), {})[int(row["task_idx"])] = str(code)
            except (TypeError, ValueError) as exc:
                raise AWMImportError(
                    f"{verifier_file}: scenario {row['scenario']!r}: task_idx {row['task_idx']!r} is not a number"
                ) from exc
        return cls(folder, rows, specs, verifiers, verifier_file)

    def where(self, fname: str, scenario: str) -> str:
        """``<source file>: scenario '<name>'`` — how import errors point at the row at fault."""
        return f"{self.folder / fname}: scenario {scenario!r}"

    @property
    def verifier_name(self) -> str:
        return self.verifier_file.name if self.verifier_file else _VERIFIER_FILES[-1]
