"""Checking a staged AWM env folder the way the runtime will load it, before the import moves it into place.

Generated datasets contain apps that do not start and verifiers that crash; finding that at import time,
with a message naming the AWM source file and scenario, beats finding it in the middle of an episode. The
check also completes the folder: a scenario without a ``gen_spec`` row gets its ``awm_spec.json`` from the
app's OpenAPI here.
"""

from __future__ import annotations

import json
from pathlib import Path

from pworlds.worlds.toolworld.awm_app import AWMApp, spec_from_app
from pworlds.worlds.toolworld.awm_errors import AWMImportError, one_line
from pworlds.worlds.toolworld.awm_layout import APP_FILE, SPEC_FILE, VERIFIERS_FILE
from pworlds.worlds.toolworld.awm_source import Source
from pworlds.worlds.toolworld.awm_verifiers import wrap_verifier
from pworlds.worlds.toolworld.episode import open_image
from pworlds.worlds.toolworld.guard import Problem

_VERIFIER_TIMEOUT_S = 30.0


def prepare_staged(folder: Path, name: str, src: Source, *, check: bool) -> None:
    """Load the staged env as the runtime will; derive tools from OpenAPI when there is no gen_spec row.

    Each failure is one line naming the source file and scenario; with ``check`` every verifier also runs
    once on the untouched DB (doing nothing) and must return instead of raising.
    """
    from pworlds.worlds.toolworld.loader import build_image, inspect_env
    from pworlds.worlds.toolworld.verify import run_code_verifier

    if not check and (folder / SPEC_FILE).is_file():
        return
    problems: list[Problem] = []
    image = build_image(folder, problems)
    if image is None:
        first = problems[0] if problems else Problem("schema.sql", 0, "the database could not be built")
        origin = "gen_db.jsonl" if first.file == "schema.sql" else "gen_sample.jsonl"
        raise AWMImportError(
            f"{src.where(origin, name)}: {one_line(first.message)} ({first.file}:{first.line})"
        )
    try:
        app = AWMApp((folder / APP_FILE).read_text(encoding="utf-8"), str(folder / APP_FILE), image)
    except Exception as exc:
        raise AWMImportError(
            f"{src.where('gen_envs.jsonl', name)}: the app does not load: {type(exc).__name__}: {one_line(exc)}"
        ) from exc
    if not (folder / SPEC_FILE).is_file():
        try:
            spec = spec_from_app(app.app)
        except Exception as exc:
            raise AWMImportError(
                f"{src.where('gen_envs.jsonl', name)}: no gen_spec row and the app's OpenAPI cannot be read: "
                f"{one_line(exc)}"
            ) from exc
        (folder / SPEC_FILE).write_text(json.dumps(spec, indent=1), encoding="utf-8")
    if not check:
        return
    verifier_where = src.where(src.verifier_name, name)
    codes: dict[str, str] = json.loads((folder / VERIFIERS_FILE).read_text(encoding="utf-8"))
    for vname, code in codes.items():
        try:
            fn = wrap_verifier(code, vname)
        except Exception as exc:
            raise AWMImportError(
                f"{verifier_where}: task_idx {vname.rsplit('_', 1)[-1]}: the verifier does not load: "
                f"{type(exc).__name__}: {one_line(exc)}"
            ) from exc
        initial, final = open_image(image.data), open_image(image.data)
        try:
            verdict = run_code_verifier(fn, initial, final, None, _VERIFIER_TIMEOUT_S)
        finally:
            initial.close()
            final.close()
        if verdict.status == "verifier_error":
            raise AWMImportError(
                f"{verifier_where}: task_idx {vname.rsplit('_', 1)[-1]}: the verifier fails on the untouched "
                f"database: {one_line(verdict.message)} (fix the row, or import with --no-check)"
            )
    _, problems = inspect_env(folder)
    if problems:
        first = problems[0]
        origin = _ORIGIN.get(first.file, src.verifier_name if "verif" in first.file else "gen_envs.jsonl")
        raise AWMImportError(
            f"{src.where(origin, name)}: {first.file}:{first.line}: {one_line(first.message)}"
        )


_ORIGIN = {
    "env.yaml": "gen_scenario.jsonl",
    "schema.sql": "gen_db.jsonl",
    "seed.sql": "gen_sample.jsonl",
    "tasks.yaml": "gen_tasks.jsonl",
    APP_FILE: "gen_envs.jsonl",
    SPEC_FILE: "gen_spec.jsonl",
}
"""Which AWM source file an env-folder file was written from (to point import errors at the source)."""
