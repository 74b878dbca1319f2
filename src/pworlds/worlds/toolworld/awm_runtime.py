"""An imported AWM env folder at run time: its tools (HTTP calls into the in-process app) and verifiers.

This is what the env loader calls for a folder with ``awm_app.py``; everything it needs was written by the
import (``awm_import``), and a hand-made folder without ``awm_spec.json`` still works because the app can
describe its own endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pworlds.worlds.toolworld.awm_app import AWMApp, spec_from_app
from pworlds.worlds.toolworld.awm_layout import APP_FILE, SPEC_FILE, VERIFIERS_FILE
from pworlds.worlds.toolworld.awm_openapi import tools_from_spec
from pworlds.worlds.toolworld.awm_verifiers import wrap_verifier
from pworlds.worlds.toolworld.episode import EnvImage
from pworlds.worlds.toolworld.tools import ToolDef


def load_awm_runtime(
    path: Path, image: EnvImage | None
) -> tuple[dict[str, ToolDef], dict[str, Callable[..., Any]]]:
    """Tools (one per API endpoint) and verifiers of an imported AWM env folder."""
    if image is None:
        raise ValueError("the database image could not be built (see schema.sql/seed.sql problems)")
    app = AWMApp((path / APP_FILE).read_text(encoding="utf-8"), str(path / APP_FILE), image)
    spec = json.loads((path / SPEC_FILE).read_text(encoding="utf-8")) if (path / SPEC_FILE).is_file() else {}
    if not spec.get("api_groups"):  # no gen_spec row (or a hand-made folder): the app describes itself
        spec = spec_from_app(app.app)
    tools = tools_from_spec(app.request, spec)
    codes = (
        json.loads((path / VERIFIERS_FILE).read_text(encoding="utf-8"))
        if (path / VERIFIERS_FILE).is_file()
        else {}
    )
    verifiers = {name: wrap_verifier(code, name) for name, code in codes.items()}
    return tools, verifiers
