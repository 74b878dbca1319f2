"""AWM dataset → pworlds env folders, all or nothing.

``import_awm`` writes one env folder per scenario (env.yaml with generator ``awm-import``, schema.sql,
seed.sql, tasks.yaml, plus ``awm_app.py``, ``awm_spec.json`` and ``awm_verifiers.json``). Task entries may be
plain text (as published) or ``{"task": text, ...}`` with pworlds task keys (``solution``, ``answer``,
``negative``, ``tags``) so ``pworlds env check`` can run a reference solution. Scenarios are staged and
checked (``awm_check``) before anything lands in the output folder, so a failed import leaves it as it was;
each failure is one line naming the source file and scenario.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from pworlds.worlds.toolworld.awm_check import prepare_staged
from pworlds.worlds.toolworld.awm_errors import AWMImportError, one_line
from pworlds.worlds.toolworld.awm_layout import APP_FILE, SPEC_FILE, VERIFIERS_FILE
from pworlds.worlds.toolworld.awm_source import NEEDED, Source


def env_id_for(scenario: str) -> str:
    """The env id (and folder name) of a scenario: a lower-case identifier starting with a letter."""
    ident = re.sub(r"[^a-z0-9]+", "_", scenario.lower()).strip("_") or "scenario"
    return ident if ident[0].isalpha() else f"awm_{ident}"


def _sql(statement: str) -> str:
    statement = statement.strip()
    return statement if statement.endswith(";") else statement + ";"


def import_awm(
    source: Path | str, out: Path | str, *, scenarios: list[str] | None = None, check: bool = True
) -> list[Path]:
    """Write one env folder per AWM scenario under ``out``; returns the folders written.

    All scenarios are written into a staging folder inside ``out`` and checked there (the app loads, its tools
    are derived, every verifier runs once on the untouched DB without raising); only when every scenario
    passes are the folders moved into place, so a failed import leaves ``out`` as it was.
    """
    src = Source.read(Path(source))
    out = Path(out)
    names = scenarios or sorted(src.rows["gen_scenario.jsonl"])
    env_ids: dict[str, str] = {}
    for name in names:
        if name not in src.rows["gen_scenario.jsonl"]:
            raise AWMImportError(f"scenario {name!r} is not in {src.folder / 'gen_scenario.jsonl'}")
        for n in NEEDED[1:]:
            if name not in src.rows[n]:
                raise AWMImportError(f"scenario {name!r} has no row in {src.folder / n}")
        env_id = env_id_for(name)
        if env_id in env_ids:
            raise AWMImportError(
                f"{src.folder / 'gen_scenario.jsonl'}: scenarios {env_ids[env_id]!r} and {name!r} both map to "
                f"env id {env_id!r}; import them separately with --scenario"
            )
        env_ids[env_id] = name
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".awm-import-", dir=out))
    except OSError as exc:
        raise AWMImportError(f"{out}: cannot write the env folders ({one_line(exc)})") from exc
    try:
        staged = []
        for name in names:
            folder = _write_env(staging, name, src)
            prepare_staged(folder, name, src, check=check)
            staged.append(folder)
        written = []
        for folder in staged:
            target = out / folder.name
            if target.exists():
                shutil.rmtree(target)
            folder.rename(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _tasks(name: str, src: Source) -> list[dict[str, Any]]:
    from pydantic import ValidationError

    from pworlds.worlds.toolworld.envformat import TaskSpec

    raw = src.rows["gen_tasks.jsonl"][name].get("tasks")
    if not isinstance(raw, list):
        raise AWMImportError(f"{src.where('gen_tasks.jsonl', name)}: 'tasks' must be a list of task texts")
    tasks = []
    for i, entry in enumerate(raw):
        task: dict[str, Any] = {"id": f"task_{i}", "verifier": f"verify_task_{i}"}
        if isinstance(entry, dict):  # {"task": text, optional pworlds keys: solution, answer, negative, tags}
            extra = {k: v for k, v in entry.items() if k not in ("task", "instruction", "task_idx")}
            task["instruction"] = str(entry.get("task") or entry.get("instruction") or "")
            task.update(extra)
        else:
            task["instruction"] = str(entry)
        try:
            TaskSpec.model_validate(task)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise AWMImportError(
                f"{src.where('gen_tasks.jsonl', name)}: task {i}: {'.'.join(map(str, err['loc']))}: {err['msg']}"
            ) from exc
        tasks.append(task)
    return tasks


def _write_env(out: Path, name: str, src: Source) -> Path:
    env_id = env_id_for(name)
    folder = out / env_id
    folder.mkdir(parents=True)
    scenario = src.rows["gen_scenario.jsonl"][name]
    meta = {
        "id": env_id,
        "title": name.replace("_", " ").strip().capitalize(),
        "description": str(scenario.get("description", "") or name),
        "domain": "awm",
        "version": "1",
        "provenance": {"generator": "awm-import", "seed": None, "model": None},
        "verification": "code",
    }
    (folder / "env.yaml").write_text(
        yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    schema_lines = []
    db = src.rows["gen_db.jsonl"][name].get("db_schema")
    for table in (db or {}).get("tables", []) if isinstance(db, dict) else []:
        if table.get("ddl"):
            schema_lines.append(_sql(table["ddl"]))
        schema_lines += [
            _sql(i).replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
            for i in table.get("indexes", [])
        ]
    if not schema_lines:
        raise AWMImportError(f"{src.where('gen_db.jsonl', name)}: no db_schema.tables[].ddl")
    (folder / "schema.sql").write_text("\n".join(schema_lines) + "\n", encoding="utf-8")
    sample = src.rows["gen_sample.jsonl"][name].get("sample_data")
    seed_lines = [
        _sql(s)
        for table in ((sample or {}).get("tables", []) if isinstance(sample, dict) else [])
        for s in table.get("insert_statements", [])
    ]
    (folder / "seed.sql").write_text("\n".join(seed_lines) + "\n", encoding="utf-8")
    (folder / "tasks.yaml").write_text(
        yaml.safe_dump({"tasks": _tasks(name, src)}, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    code = src.rows["gen_envs.jsonl"][name].get("full_code")
    if not isinstance(code, str) or not code.strip():
        raise AWMImportError(f"{src.where('gen_envs.jsonl', name)}: no 'full_code' (the FastAPI app source)")
    (folder / APP_FILE).write_text(code, encoding="utf-8")
    spec = src.specs.get(name)
    if spec is not None:
        if not isinstance(spec.get("api_spec"), dict):
            raise AWMImportError(f"{src.where('gen_spec.jsonl', name)}: no 'api_spec' object")
        (folder / SPEC_FILE).write_text(json.dumps(spec["api_spec"], indent=1), encoding="utf-8")
    verifiers = src.verifiers.get(name, {})
    (folder / VERIFIERS_FILE).write_text(
        json.dumps({f"verify_task_{i}": code for i, code in sorted(verifiers.items())}, indent=1),
        encoding="utf-8",
    )
    return folder
